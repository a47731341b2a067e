/**
 * Calendar days in the retailer's time zone, as integer "epoch days" (days since 1970-01-01 of the local
 * calendar). Whole calendar days between purchase days are the BTYD/lifetimes time unit.
 */

const msPerDay = 86_400_000;
const dayPattern = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' → epoch day, or undefined when it is not a real calendar date. */
export function parseDay(day: string): number | undefined {
  const m = dayPattern.exec(day);
  if (m === null) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return ms / msPerDay;
}

export function formatDay(epochDay: number): string {
  return new Date(epochDay * msPerDay).toISOString().slice(0, 10);
}

// Constructing a DateTimeFormat to test a zone costs tens of microseconds; profiles and purchases check one
// each. Only zones that passed are remembered, so input cannot grow the set past the zones that exist.
const validZones = new Set<string>();

export function isValidTimeZone(timeZone: string): boolean {
  if (validZones.has(timeZone)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return false;
  }
  validZones.add(timeZone);
  return true;
}

/**
 * Maps instants to local epoch days. Intl formatting costs microseconds, so the UTC offset is memoised per
 * 15-minute slot (every real-world offset transition happens on a quarter hour); a slot whose two ends
 * disagree is formatted exactly.
 */
export class DayClock {
  private readonly format: Intl.DateTimeFormat | undefined;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string = 'UTC') {
    this.format =
      timeZone === 'UTC' || timeZone === 'Etc/UTC'
        ? undefined
        : new Intl.DateTimeFormat('en-US', {
            timeZone,
            hourCycle: 'h23',
            year: 'numeric',
            month: '2-digit',
            day: '2-digit',
            hour: '2-digit',
            minute: '2-digit',
            second: '2-digit',
          });
  }

  /** Local epoch day of an instant given in epoch milliseconds. */
  dayOfMs(ms: number): number {
    return Math.floor((ms + this.offsetMs(ms)) / msPerDay);
  }

  /** The zone's offset from UTC at an instant, in milliseconds (local wall clock = ms + offset). */
  offsetMs(ms: number): number {
    if (this.format === undefined) return 0;
    const slotMs = 900_000;
    const slot = Math.floor(ms / slotMs);
    let offset = this.offsets.get(slot);
    if (offset === undefined) {
      const start = this.offsetAt(slot * slotMs);
      const end = this.offsetAt((slot + 1) * slotMs - 1000);
      offset = start === end ? start : Number.NaN;
      if (this.offsets.size > 100_000) this.offsets.clear();
      this.offsets.set(slot, offset);
    }
    return Number.isNaN(offset) ? this.offsetAt(ms) : offset;
  }

  /** Local epoch day of an ISO instant; undefined when it does not parse. */
  dayOf(isoInstant: string): number | undefined {
    const ms = Date.parse(isoInstant);
    return Number.isNaN(ms) ? undefined : this.dayOfMs(ms);
  }

  private offsetAt(ms: number): number {
    const parts = this.format!.formatToParts(new Date(ms));
    const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    return local - (ms - (((ms % 1000) + 1000) % 1000));
  }
}

/**
 * The analysis day: a calendar day 'YYYY-MM-DD' (inclusive: purchases on it count), or an instant, which is
 * read as the local day it falls on.
 */
export function resolveAsOfDay(asOf: string, timeZone = 'UTC'): number | undefined {
  if (dayPattern.test(asOf)) return parseDay(asOf);
  // Only full ISO instants with an explicit offset: Date.parse alone accepts '2024-02-30' and local times.
  if (!isoInstantPattern.test(asOf)) return undefined;
  return new DayClock(timeZone).dayOf(asOf);
}

const isoInstantPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
