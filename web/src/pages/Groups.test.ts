import { describe, expect, it } from "vitest";
import { restrictionIds } from "./Groups";

describe("restrictionIds", () => {
  it("splits on commas and new lines and drops blanks", () => {
    expect(restrictionIds(" wire, cheque\nups ,, ")).toEqual(["wire", "cheque", "ups"]);
    expect(restrictionIds("  ")).toEqual([]);
  });
});
