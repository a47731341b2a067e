/**
 * SMS length as carriers count it. GSM 03.38 text packs 7-bit septets: 160 in one segment, 153 per segment
 * once split (the concatenation header takes the rest); the extension table (€, [, ], {, }, \, ^, ~, |, form
 * feed) costs two septets and never straddles two segments. One character outside the GSM alphabet switches
 * the whole message to UCS-2: 70 UTF-16 units, 67 per segment, a surrogate pair never split.
 */
const basic =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const extension = '\f^{}\\[~]|€';
const basicSet = new Set(basic);
const extensionSet = new Set(extension);

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsLength {
  encoding: SmsEncoding;
  /** septets (GSM-7) or UTF-16 code units (UCS-2) */
  units: number;
  segments: number;
  /** characters that forced UCS-2, at most 10, so a marketer sees what to replace */
  nonGsmCharacters: string[];
}

export function isGsm7(text: string): boolean {
  for (const ch of text) if (!basicSet.has(ch) && !extensionSet.has(ch)) return false;
  return true;
}

export function smsLength(text: string): SmsLength {
  const nonGsm = [...new Set([...text].filter((ch) => !basicSet.has(ch) && !extensionSet.has(ch)))];
  if (nonGsm.length === 0) {
    const costs = [...text].map((ch) => (extensionSet.has(ch) ? 2 : 1));
    return { encoding: 'GSM-7', units: sum(costs), segments: pack(costs, 160, 153), nonGsmCharacters: [] };
  }
  const costs = [...text].map((ch) => ch.length); // code points: 1 or 2 UTF-16 units
  return { encoding: 'UCS-2', units: sum(costs), segments: pack(costs, 70, 67), nonGsmCharacters: nonGsm.slice(0, 10) };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Segments needed when no character may be split across two segments. */
function pack(costs: number[], single: number, multi: number): number {
  const total = sum(costs);
  if (total === 0) return 0;
  if (total <= single) return 1;
  let segments = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      segments++;
      used = 0;
    }
    used += cost;
  }
  return segments;
}
