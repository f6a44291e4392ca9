// English, French and Spanish, one file each in src/i18n/. Keys are the English text; every language
// holds every key (i18n/translations.test.ts checks that each t(…) text of the sources is in all
// three, and that they have the same keys). Dates and money use Intl.
import { createContext, useContext } from "react";
import { en } from "../i18n/en";
import { es } from "../i18n/es";
import { fr } from "../i18n/fr";

export type Lang = "en" | "fr" | "es";
export const LANGS: Lang[] = ["en", "fr", "es"];
export const LANG_NAMES: Record<Lang, string> = { en: "English", fr: "Français", es: "Español" };
const LOCALES: Record<Lang, string> = { en: "en-GB", fr: "fr-FR", es: "es-ES" };
const DICTIONARIES: Record<Lang, Record<string, string>> = { en, fr, es };

export function isLang(value: unknown): value is Lang {
  return value === "en" || value === "fr" || value === "es";
}

/** The browser's preferred language among ours, English otherwise. */
export function browserLang(languages: readonly string[] = navigator.languages ?? [navigator.language]): Lang {
  for (const tag of languages) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLang(base)) return base;
  }
  return "en";
}

export type Vars = Record<string, string | number>;

export function translate(lang: Lang, key: string, vars?: Vars): string {
  const text = DICTIONARIES[lang][key] ?? key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}

export function formatDateTime(lang: Lang, iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALES[lang], { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function formatDate(lang: Lang, iso: string | null | undefined): string {
  if (!iso) return "—";
  // A bare YYYY-MM-DD is a calendar date: format it in UTC so it never shifts a day.
  const date = new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(LOCALES[lang], {
    dateStyle: "medium",
    timeZone: iso.length === 10 ? "UTC" : undefined,
  }).format(date);
}

/** Money arrives as a decimal string; it is only turned into a number to be displayed. */
export function formatMoney(lang: Lang, amount: string | number | null | undefined, currency: string): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const value = typeof amount === "number" ? amount : Number(amount);
  if (Number.isNaN(value)) return String(amount);
  try {
    return new Intl.NumberFormat(LOCALES[lang], { style: "currency", currency }).format(value);
  } catch {
    return `${amount} ${currency}`;
  }
}

export function formatNumber(lang: Lang, value: number, fraction = 0): string {
  return new Intl.NumberFormat(LOCALES[lang], { maximumFractionDigits: fraction }).format(value);
}

export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: (key: string, vars?: Vars) => string;
  dateTime: (iso: string | null | undefined) => string;
  date: (iso: string | null | undefined) => string;
  money: (amount: string | number | null | undefined, currency?: string) => string;
  currency: string;
}

export function makeI18n(lang: Lang, setLang: (lang: Lang) => void, currency = "EUR"): I18n {
  return {
    lang,
    setLang,
    currency,
    t: (key, vars) => translate(lang, key, vars),
    dateTime: (iso) => formatDateTime(lang, iso),
    date: (iso) => formatDate(lang, iso),
    money: (amount, cur) => formatMoney(lang, amount, cur ?? currency),
  };
}

export const I18nContext = createContext<I18n>(makeI18n("en", () => undefined));

export function useI18n(): I18n {
  return useContext(I18nContext);
}
