// Every t("...") literal in the sources has an English, a French and a Spanish text, and the three
// translation files have exactly the same keys.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatDate, formatMoney, translate } from "../lib/i18n";
import { en } from "./en";
import { es } from "./es";
import { fr } from "./fr";

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) && !name.includes(".test.") ? [path] : [];
  });
}

function keys(): Set<string> {
  const found = new Set<string>();
  const root = join(__dirname, "..");
  for (const file of sources(root)) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/\bt\("((?:[^"\\]|\\.)+)"/g)) found.add(match[1]!.replace(/\\"/g, '"'));
    for (const match of text.matchAll(/label: "([^"]+)"/g)) found.add(match[1]!);
  }
  return found;
}

describe("translations", () => {
  it("cover every UI text in English, French and Spanish", () => {
    const missing = [...keys()].filter((key) => !(key in en) || !(key in fr) || !(key in es));
    expect(missing).toEqual([]);
  });

  it("have exactly the same keys in every language", () => {
    const english = Object.keys(en).sort();
    expect(Object.keys(fr).sort()).toEqual(english);
    expect(Object.keys(es).sort()).toEqual(english);
  });

  it("format dates and money for the locale", () => {
    expect(formatMoney("fr", "1234.50", "EUR")).toMatch(/1\s?234,50\s?€/);
    expect(formatMoney("en", "1234.50", "EUR")).toBe("€1,234.50");
    expect(formatDate("es", "2026-02-03")).toMatch(/3 feb/);
    expect(translate("fr", "Page {n}", { n: 2 })).toBe("Page 2");
  });
});
