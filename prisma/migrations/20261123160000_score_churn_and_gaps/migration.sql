-- AlterTable
ALTER TABLE "CustomerScore" ADD COLUMN     "churnRisk" DOUBLE PRECISION,
ADD COLUMN     "interPurchaseDays" DOUBLE PRECISION;
