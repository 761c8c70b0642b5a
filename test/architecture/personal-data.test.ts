import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parsePrismaSchema, type PrismaSchema } from "../db/prisma-schema";

// Minimisation, held to the README: every column of Customer is listed in README's "Personal
// data stored, and why" table with the feature that reads it, and no model keeps the parts of a
// person the app has no feature for (street lines, postal codes, phone numbers, birth dates).

const root = path.resolve(import.meta.dirname, "../..");
const schema = parsePrismaSchema(readFileSync(path.join(root, "prisma/schema.prisma"), "utf8"));
const readme = readFileSync(path.join(root, "README.md"), "utf8");

/** The model's database columns: scalar and enum fields, not relations to other models. */
function columns(source: PrismaSchema, model: string): string[] {
  const models = new Set(source.models.map((m) => m.name));
  const found = source.models.find((m) => m.name === model);
  if (!found) throw new Error(`no model ${model}`);
  return found.fields.filter((f) => !models.has(f.type)).map((f) => f.name);
}

/** `Model.column` names in the first column of the README's minimisation table. */
function documented(text: string, model: string): string[] {
  const start = text.indexOf("### Personal data stored, and why");
  if (start < 0) throw new Error("README has no 'Personal data stored, and why' section");
  const end = text.indexOf("\n#", start + 1);
  const rows = text
    .slice(start, end < 0 ? undefined : end)
    .split("\n")
    .filter((line) => line.startsWith("| `"));
  const names = rows.flatMap((row) => [...row.split("|")[1].matchAll(new RegExp(`\`${model}\\.(\\w+)\``, "g"))]);
  return names.map((m) => m[1]);
}

const NOT_KEPT = /^(address[12]?|street|line[12]|zip|postal(code)?|phone|birth(day|date)?|dateofbirth|note)$/i;

describe("personal data minimisation", () => {
  it("lists every Customer column in README with why it is kept, and only those", () => {
    const inSchema = columns(schema, "Customer").sort();
    const inReadme = documented(readme, "Customer");
    expect(new Set(inReadme).size, "a column listed twice").toBe(inReadme.length);
    expect([...inReadme].sort()).toEqual(inSchema);
  });

  it("keeps no street, postal code, phone or birth date in any model", () => {
    const kept = schema.models.flatMap((m) =>
      m.fields.filter((f) => NOT_KEPT.test(f.name)).map((f) => `${m.name}.${f.name}`),
    );
    expect(kept).toEqual([]);
  });

  it("notices what it checks: an undocumented column and a phone column fail", () => {
    const grown = parsePrismaSchema(
      readFileSync(path.join(root, "prisma/schema.prisma"), "utf8").replace(
        /^model Customer \{\n/m,
        "model Customer {\n  phone String?\n",
      ),
    );
    expect(columns(grown, "Customer")).toContain("phone");
    expect(columns(grown, "Customer").sort()).not.toEqual([...documented(readme, "Customer")].sort());
    expect(grown.models.some((m) => m.fields.some((f) => NOT_KEPT.test(f.name)))).toBe(true);
  });
});
