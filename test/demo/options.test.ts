import { describe, expect, it } from "vitest";
import { DEFAULT_CUSTOMERS, parseOptions } from "./options";

describe("demo options", () => {
  it("serves a 5,000-customer shop on the admin port 4000 by default", () => {
    expect(parseOptions([])).toEqual({ check: false, customers: DEFAULT_CUSTOMERS.demo, port: 4000, appPort: 0, embedded: false, help: false });
  });

  it("uses a smaller shop and random ports for --check unless told otherwise", () => {
    expect(parseOptions(["--check"])).toMatchObject({ check: true, customers: DEFAULT_CUSTOMERS.check, port: 0 });
    expect(parseOptions(["--check", "--customers", "20_000", "--port", "4100"])).toMatchObject({ customers: 20_000, port: 4100 });
  });

  it("rejects values that are not whole numbers in range, naming the flag", () => {
    expect(() => parseOptions(["--customers", "0"])).toThrow("--customers must be an integer ≥ 1 (got 0)");
    expect(() => parseOptions(["--port", "abc"])).toThrow("--port must be an integer");
    expect(() => parseOptions(["--nope"])).toThrow();
  });
});
