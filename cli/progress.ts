/**
 * Progress for long commands: on a terminal one line rewritten in place, otherwise (CI, a pipe, a log file)
 * a plain line at most every `plainIntervalMs`, so logs stay readable.
 */
export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  tty?: boolean;
  /** Minimum time between rewrites on a terminal. */
  ttyIntervalMs?: number;
  plainIntervalMs?: number;
  now?: () => number;
}

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly ttyIntervalMs: number;
  private readonly plainIntervalMs: number;
  private readonly now: () => number;
  private last = Number.NEGATIVE_INFINITY;
  private pending = false;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.ttyIntervalMs = options.ttyIntervalMs ?? 100;
    this.plainIntervalMs = options.plainIntervalMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** Shows `line` now if enough time passed since the last one (or `force`). */
  update(line: () => string, force = false): void {
    const now = this.now();
    if (!force && now - this.last < (this.tty ? this.ttyIntervalMs : this.plainIntervalMs)) return;
    this.last = now;
    if (this.tty) {
      this.stream.write(`\r\x1b[2K${line()}`);
      this.pending = true;
    } else this.stream.write(`${line()}\n`);
  }

  /** A line that stays (a message between updates, or the final state). */
  log(line: string): void {
    if (this.pending) this.stream.write('\r\x1b[2K');
    this.pending = false;
    this.stream.write(`${line}\n`);
  }

  /** Ends the in-place line so later output starts on a fresh line. */
  done(): void {
    if (this.pending) this.stream.write('\n');
    this.pending = false;
  }
}

/** "1:05" / "1:02:03" for an ETA or an elapsed time. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}
