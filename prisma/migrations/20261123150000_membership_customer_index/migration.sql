-- CreateIndex
CREATE INDEX "Membership_customerId_idx" ON "Membership"("customerId");
