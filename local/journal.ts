/**
 * The append-only journal both local emulators keep beside their snapshot (the Service Bus transport and the
 * Cosmos emulator): one record per line, `<checksum> <json>\n`, where the checksum is the first 12 hex digits
 * of the JSON's sha256.
 *
 * A record is written with one synchronous write as the change is made, so it is in the operating system
 * (and survives the process being killed) before anything can observe the change; `durable()` then waits
 * for fdatasync, shared by every record written meanwhile (group commit), so an answer given after it also
 * survives the machine losing power. A crash can only cut the last line short: it then lacks its newline
 * (JSON never contains a raw one) or fails its checksum, and is reported as torn instead of being applied.
 */
import { createHash } from 'node:crypto';
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

function checksum(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export function encodeJournalLine(record: unknown): string {
  const json = JSON.stringify(record);
  return `${checksum(json)} ${json}\n`;
}

export interface DecodedJournal<T> {
  records: T[];
  /** Lines that failed their checksum, did not parse or were refused by `parse`, the torn last one included. */
  skipped: number;
  /** The last line was cut short (no newline, or a bad checksum on the very last line): a write a crash interrupted. */
  torn: boolean;
  /** 1-based line numbers of bad lines before the last one: damage a crash cannot cause. */
  damagedLines: number[];
}

/**
 * Parses a journal's text; bad lines are reported, not thrown, so each caller decides what damage means.
 * `parse` validates one decoded JSON value (undefined = not a valid record).
 */
export function decodeJournal<T>(text: string, parse: (value: unknown) => T | undefined): DecodedJournal<T> {
  const lines = text.split('\n');
  // Text after the last newline is a record whose write was cut short.
  const tail = lines.pop();
  const records: T[] = [];
  const damagedLines: number[] = [];
  let torn = tail !== undefined && tail.length > 0;
  const last = lines.length - 1;
  lines.forEach((line, index) => {
    if (line.length === 0) return;
    const record = decodeLine(line, parse);
    if (record !== undefined) records.push(record);
    else if (index === last && !torn) torn = true;
    else damagedLines.push(index + 1);
  });
  return { records, skipped: damagedLines.length + (torn ? 1 : 0), torn, damagedLines };
}

function decodeLine<T>(line: string, parse: (value: unknown) => T | undefined): T | undefined {
  const space = line.indexOf(' ');
  if (space <= 0) return undefined;
  const json = line.slice(space + 1);
  if (checksum(json) !== line.slice(0, space)) return undefined;
  try {
    return parse(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** Makes a rename or a new file in `dir` durable; not every platform lets a directory be opened, and then there is nothing to do. */
export function fsyncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* best effort */
  }
}

function openJournal(file: string): number {
  const fd = openSync(file, 'a');
  // The new file's directory entry must be durable too, or a power loss could drop the whole file.
  fsyncDirectory(path.dirname(file));
  return fd;
}

/**
 * Appends records to one journal file at a time. `rotate` moves on to the next file (after a snapshot was
 * captured); `durable()` resolves once every record appended before the call is on disk.
 */
export class JournalWriter {
  private fd: number;
  private appended = 0;
  private synced = 0;
  private syncing = false;
  private waiters: { upTo: number; resolve: () => void; reject: (error: Error) => void }[] = [];
  private failure: Error | undefined;
  /** Bytes appended to the current file. */
  bytes = 0;
  /** Records appended to the current file. */
  records = 0;

  constructor(file: string) {
    this.fd = openJournal(file);
  }

  /** Throws when the write fails; the journal is unusable from then on (every `durable()` rejects). */
  append(record: unknown): void {
    if (this.failure) throw this.failure;
    const line = Buffer.from(encodeJournalLine(record));
    try {
      // A short write (disk full) must not leave half a line with the next record appended after it.
      for (let written = 0; written < line.length; ) written += writeSync(this.fd, line, written);
    } catch (error) {
      this.fail(error as Error);
      throw error;
    }
    this.appended += 1;
    this.records += 1;
    this.bytes += line.length;
  }

  /** True when nothing appended is still waiting for fdatasync. */
  get isDurable(): boolean {
    return this.synced >= this.appended && !this.failure;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  durable(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.synced >= this.appended) return Promise.resolve();
    const upTo = this.appended;
    const promise = new Promise<void>((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
    this.kick();
    return promise;
  }

  /** One fdatasync at a time; whatever was appended while it ran goes with the next one. */
  private kick(): void {
    if (this.syncing || this.failure || this.synced >= this.appended) return;
    this.syncing = true;
    const upTo = this.appended;
    const fd = this.fd;
    fdatasync(fd, (error) => {
      this.syncing = false;
      if (fd !== this.fd) {
        // Rotated meanwhile: the old file was synced then, and can be closed now that this call is done.
        closeSync(fd);
      } else if (error) {
        return this.fail(error);
      } else {
        this.settle(upTo);
      }
      this.kick();
    });
  }

  private settle(upTo: number): void {
    this.synced = Math.max(this.synced, upTo);
    const still: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.upTo <= this.synced) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failure);
  }

  /** Syncs and leaves the current file, continuing in `file` (created). */
  rotate(file: string): void {
    if (this.failure) throw this.failure;
    const old = this.fd;
    try {
      fdatasyncSync(old);
      this.fd = openJournal(file);
    } catch (error) {
      this.fail(error as Error);
      throw error;
    }
    this.settle(this.appended);
    // An fdatasync still running on the old file closes it when it returns (see kick).
    if (!this.syncing) closeSync(old);
    this.bytes = 0;
    this.records = 0;
  }

  /** Syncs and closes; appending afterwards throws. */
  close(): void {
    if (this.fd < 0) return;
    if (!this.failure) {
      try {
        fdatasyncSync(this.fd);
        this.settle(this.appended);
      } catch (error) {
        this.fail(error as Error);
      }
    }
    if (!this.syncing) closeSync(this.fd);
    // A number the OS may hand out again must not be written to; a running fdatasync sees the change and closes.
    this.fd = -1;
    this.fail(new Error('the journal is closed'));
  }
}
