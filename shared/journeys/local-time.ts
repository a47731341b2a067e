/**
 * Wall-clock arithmetic in a customer's time zone with Intl only: what local time an instant is, and the
 * first instant at or after another whose local time is HH:MM. DST gaps resolve to the first valid minute.
 */
import { DayClock } from '../analytics/days.js';

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday. */
  weekday: number;
}

// One DayClock per zone: it memoises the zone's offset per 15-minute slot (the same rule the nightly run's
// local days use), so wall-clock parts cost arithmetic, not Intl formatting.
const clocks = new Map<string, DayClock>();

function clockOf(timeZone: string): DayClock {
  let clock = clocks.get(timeZone);
  if (!clock) {
    // Zones come from validated profiles and settings; the bound only keeps a long-lived process from growing.
    if (clocks.size > 1_000) clocks.clear();
    clocks.set(timeZone, (clock = new DayClock(timeZone)));
  }
  return clock;
}

export function localParts(at: Date, timeZone: string): LocalParts {
  const minuteMs = Math.floor(at.getTime() / 60_000) * 60_000;
  const local = new Date(minuteMs + clockOf(timeZone).offsetMs(at.getTime()));
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1, day: local.getUTCDate(), hour: local.getUTCHours(), minute: local.getUTCMinutes(), weekday: local.getUTCDay() };
}

/** The zone's offset from UTC at `at`, in minutes. */
function offsetMinutes(at: Date, timeZone: string): number {
  const p = localParts(at, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
  return Math.round((asUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
}

/** The instant at which the zone's wall clock shows this local date and time (first valid minute in a gap). */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const naive = Date.UTC(year, month - 1, day, hour, minute);
  let guess = naive - offsetMinutes(new Date(naive), timeZone) * 60_000;
  guess = naive - offsetMinutes(new Date(guess), timeZone) * 60_000;
  const check = localParts(new Date(guess), timeZone);
  if (check.hour !== hour || check.minute !== minute) {
    // A DST gap: walk forward to the first minute that exists.
    for (let m = 1; m <= 120; m++) {
      const candidate = new Date(guess + m * 60_000);
      const p = localParts(candidate, timeZone);
      if (p.hour * 60 + p.minute >= hour * 60 + minute || p.day !== check.day) return candidate;
    }
  }
  return new Date(guess);
}

export function parseLocalTime(value: string): { hour: number; minute: number } {
  const [h, m] = value.split(':').map(Number);
  return { hour: h!, minute: m! };
}

/** The first instant ≥ `after` whose local time is `time` (HH:MM). */
export function nextLocalTime(after: Date, time: string, timeZone: string): Date {
  const { hour, minute } = parseLocalTime(time);
  const p = localParts(after, timeZone);
  for (let addDays = 0; addDays <= 2; addDays++) {
    const date = new Date(Date.UTC(p.year, p.month - 1, p.day + addDays));
    const candidate = zonedInstant(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), hour, minute, timeZone);
    if (candidate.getTime() >= after.getTime()) return candidate;
  }
  throw new Error(`no local ${time} within two days after ${after.toISOString()} in ${timeZone}`);
}

/** The local calendar date, YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  const p = localParts(at, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}
