// Types for the page's plain-JS i18n module, so tests can format figures exactly as the page does.
export type Language = 'en' | 'de';
export const messages: Record<Language, Record<string, string>>;
export function pickLanguage(stored: string | null, navigatorLanguages: readonly string[] | undefined): Language;
export function translate(lang: Language, key: string, vars?: Record<string, string | number>): string;
export interface Formatters {
  locale: string;
  integer(n: number): string;
  decimal(n: number, digits?: number): string;
  percent(n: number, digits?: number): string;
  points(n: number, digits?: number): string;
  money(n: number, currency?: string | null): string;
  signedMoney(n: number, currency?: string | null): string;
  pValue(p: number): string;
  date(iso: string): string;
}
export function formatters(lang: Language): Formatters;
