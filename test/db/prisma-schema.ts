// A reader for the parts of schema.prisma that shape the database (models, fields, enums,
// ids, uniques, indexes, relations), so tests can compare the migrated database with it.

export interface PrismaField {
  name: string;
  type: string;
  optional: boolean;
  list: boolean;
  attributes: string;
}

export interface PrismaModel {
  name: string;
  fields: PrismaField[];
  blockAttributes: string[];
}

export interface PrismaSchema {
  models: PrismaModel[];
  enums: Map<string, string[]>;
}

export function parsePrismaSchema(source: string): PrismaSchema {
  const text = source.replace(/\/\/.*$/gm, "");
  const models: PrismaModel[] = [];
  const enums = new Map<string, string[]>();
  for (const block of text.matchAll(/^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const [, kind, name, body] = block;
    const lines = body
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    if (kind === "enum") {
      enums.set(name, lines);
      continue;
    }
    const model: PrismaModel = { name, fields: [], blockAttributes: [] };
    for (const line of lines) {
      if (line.startsWith("@@")) {
        model.blockAttributes.push(line);
        continue;
      }
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line);
      if (!m) throw new Error(`cannot read field line in model ${name}: ${line}`);
      model.fields.push({ name: m[1], type: m[2], list: Boolean(m[3]), optional: Boolean(m[4]), attributes: m[5] });
    }
    models.push(model);
  }
  return { models, enums };
}

const SCALARS: Record<string, string> = {
  String: "text",
  Int: "integer",
  BigInt: "bigint",
  Boolean: "boolean",
  DateTime: "timestamp without time zone",
  Json: "jsonb",
  Float: "double precision",
  Decimal: "numeric",
};

export interface ExpectedColumn {
  table: string;
  column: string;
  dataType: string;
  nullable: boolean;
}

export interface ExpectedIndex {
  table: string;
  name: string;
  columns: string[];
  unique: boolean;
}

export interface ExpectedForeignKey {
  table: string;
  name: string;
  columns: string[];
  references: string;
  onDelete: string;
}

const columnList = (attr: string) =>
  /\[([^\]]*)\]/
    .exec(attr)![1]
    .split(",")
    .map((c) => c.trim().replace(/\(.*\)$/, ""));

/**
 * Relations schema.prisma keeps for queries whose foreign keys the migrations dropped (checked per
 * row, they cost more than the rows a compute writes; 20261210100000_membership_writes and
 * 20261210110000_score_writes): triggers do their cascades and the writers lock the shop's row.
 */
export const RELATIONS_WITHOUT_FOREIGN_KEY = new Set([
  "Membership_shopId_fkey",
  "Membership_shopId_customerId_fkey",
  "MembershipEvent_shopId_fkey",
  "CustomerScore_shopId_fkey",
  "CustomerScore_shopId_customerId_fkey",
]);

export function expectedDatabase(schema: PrismaSchema) {
  const modelNames = new Set(schema.models.map((m) => m.name));
  const columns: ExpectedColumn[] = [];
  const indexes: ExpectedIndex[] = [];
  const foreignKeys: ExpectedForeignKey[] = [];

  for (const model of schema.models) {
    for (const field of model.fields) {
      if (modelNames.has(field.type)) {
        const relation =
          /@relation\(fields:\s*\[([^\]]*)\],\s*references:\s*\[([^\]]*)\](?:,\s*onDelete:\s*(\w+))?/.exec(
            field.attributes,
          );
        const cols = relation?.[1].split(",").map((c) => c.trim()) ?? [];
        if (relation && !RELATIONS_WITHOUT_FOREIGN_KEY.has(`${model.name}_${cols.join("_")}_fkey`)) {
          foreignKeys.push({
            table: model.name,
            name: `${model.name}_${cols.join("_")}_fkey`,
            columns: cols,
            references: field.type,
            onDelete: (relation[3] ?? "Restrict").toUpperCase().replace("SETNULL", "SET NULL"),
          });
        }
        continue;
      }
      let dataType = schema.enums.has(field.type) ? `enum:${field.type}` : SCALARS[field.type];
      if (!dataType) throw new Error(`unknown type ${field.type} on ${model.name}.${field.name}`);
      const decimal = /@db\.Decimal\((\d+),\s*(\d+)\)/.exec(field.attributes);
      if (decimal) dataType = `numeric(${decimal[1]},${decimal[2]})`;
      if (field.list) dataType = `${dataType}[]`;
      columns.push({ table: model.name, column: field.name, dataType, nullable: field.optional || field.list });
      if (/@id\b/.test(field.attributes)) {
        indexes.push({ table: model.name, name: `${model.name}_pkey`, columns: [field.name], unique: true });
      }
      if (/@unique\b/.test(field.attributes)) {
        indexes.push({
          table: model.name,
          name: `${model.name}_${field.name}_key`,
          columns: [field.name],
          unique: true,
        });
      }
    }
    for (const attr of model.blockAttributes) {
      const cols = columnList(attr);
      if (attr.startsWith("@@id"))
        indexes.push({ table: model.name, name: `${model.name}_pkey`, columns: cols, unique: true });
      if (attr.startsWith("@@unique")) {
        indexes.push({ table: model.name, name: `${model.name}_${cols.join("_")}_key`, columns: cols, unique: true });
      }
      if (attr.startsWith("@@index")) {
        indexes.push({ table: model.name, name: `${model.name}_${cols.join("_")}_idx`, columns: cols, unique: false });
      }
    }
  }
  return { tables: schema.models.map((m) => m.name), columns, indexes, foreignKeys, enums: schema.enums };
}
