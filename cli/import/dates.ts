/**
 * Dates in a retailer's export: ISO 8601 by default, or a pattern of YYYY MM DD HH mm ss (other characters
 * literal), e.g. YYYYMMDD, DD.MM.YYYY, MM/DD/YYYY HH:mm. A time without an offset is local time in the given
 * IANA zone; a date without a time is taken at noon there, which keeps it on the same calendar day for
 * segmentation in any retailer zone from UTC−11 to UTC+11.
 */
import { DayClock } from '../../shared/analytics/days.js';

export type DateParser = (raw: string) => { ok: true; iso: string } | { ok: false; message: string };

const tokenPattern = /YYYY|MM|DD|HH|mm|ss/g;
const tokenRegex: Record<string, string> = { YYYY: '(\\d{4})', MM: '(\\d{1,2})', DD: '(\\d{1,2})', HH: '(\\d{1,2})', mm: '(\\d{2})', ss: '(\\d{2})' };

interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const clocks = new Map<string, DayClock>();

/** Offset of `zone` from UTC at instant `t`, in ms (positive east of Greenwich): the one zone-offset memo. */
function zoneOffsetMs(zone: string, t: number): number {
  let clock = clocks.get(zone);
  if (!clock) {
    clock = new DayClock(zone);
    clocks.set(zone, clock);
  }
  return clock.offsetMs(t);
}

/**
 * The instant at which the wall clock in `zone` shows `local`: the earlier one when a DST change repeats the
 * hour, and the same offset as just before when it skips it.
 */
export function zonedToUtc(local: LocalTime, zone: string): Date {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const before = zoneOffsetMs(zone, wall - 12 * 3600_000);
  const after = zoneOffsetMs(zone, wall + 12 * 3600_000);
  const candidates = [wall - before, wall - after].filter((t) => t + zoneOffsetMs(zone, t) === wall).sort((a, b) => a - b);
  return new Date(candidates[0] ?? wall - before);
}

function validLocal(local: LocalTime): string | undefined {
  const probe = new Date(Date.UTC(local.year, local.month - 1, local.day));
  if (local.month < 1 || local.month > 12 || probe.getUTCMonth() !== local.month - 1 || probe.getUTCDate() !== local.day) return 'not a real date';
  if (local.hour > 23 || local.minute > 59 || local.second > 59) return 'not a real time of day';
  return undefined;
}

const isoDateTime = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

export function dateParser(format: string, timeZone: string): DateParser {
  const fromLocal = (local: LocalTime) => {
    const problem = validLocal(local);
    return problem ? ({ ok: false, message: problem } as const) : ({ ok: true, iso: zonedToUtc(local, timeZone).toISOString() } as const);
  };
  if (format.toLowerCase() === 'iso') {
    return (raw) => {
      const m = isoDateTime.exec(raw.trim());
      if (!m) return { ok: false, message: 'not an ISO 8601 date (YYYY-MM-DD or YYYY-MM-DDTHH:mm[:ss][offset]); pass --date-format' };
      const hasTime = m[4] !== undefined;
      const local = { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: hasTime ? +m[4]! : 12, minute: hasTime ? +m[5]! : 0, second: m[6] ? +m[6] : 0 };
      const offset = m[7];
      if (offset === undefined) return fromLocal(local);
      const problem = validLocal(local);
      if (problem) return { ok: false, message: problem };
      const sign = offset === 'Z' ? 0 : offset.startsWith('-') ? -1 : 1;
      const digits = offset.replace(/[^0-9]/g, '');
      const offsetMs = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
      const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
      return { ok: true, iso: new Date(wall - offsetMs).toISOString() };
    };
  }
  const order: string[] = [];
  const source = format.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(tokenPattern, (token) => {
    order.push(token);
    return tokenRegex[token]!;
  });
  if (!order.includes('YYYY') || !order.includes('MM') || !order.includes('DD')) {
    throw new Error(`--date-format "${format}" needs YYYY, MM and DD (and may have HH, mm, ss), or "iso"`);
  }
  const regex = new RegExp(`^${source}$`);
  return (raw) => {
    const m = regex.exec(raw.trim());
    if (!m) return { ok: false, message: `does not match --date-format ${format}` };
    const value = (token: string, fallback: number) => {
      const index = order.indexOf(token);
      return index < 0 ? fallback : Number(m[index + 1]);
    };
    return fromLocal({ year: value('YYYY', 0), month: value('MM', 0), day: value('DD', 0), hour: value('HH', 12), minute: value('mm', 0), second: value('ss', 0) });
  };
}
