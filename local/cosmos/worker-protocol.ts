/**
 * Messages between `startCosmosEmulator` (the caller's thread) and the emulator worker, which owns the
 * HTTPS server and the in-memory account. Types only: nothing here runs.
 */
import type { SnapshotCounts } from './snapshot.js';

export interface WorkerStart {
  port: number;
  host: string;
  /** absent = memory only */
  snapshotFile: string | undefined;
  fresh: boolean;
  snapshotIntervalMs: number | undefined;
  /**
   * One Int32 the worker sets to 1 (and notifies) once the final snapshot requested on process exit is
   * written: the exiting thread can only wait synchronously, with Atomics.wait.
   */
  exitSignal: SharedArrayBuffer;
  /** The request log (request-counts.ts): container names and the shared counter table. */
  requestLog: { containers: string[]; buffer: SharedArrayBuffer };
}

/** What went wrong at start, rebuilt as the same error in the caller's thread. */
export type StartFailure =
  | { kind: 'listen'; errno: string | undefined; message: string }
  | { kind: 'snapshot-read'; message: string }
  | { kind: 'snapshot-restore'; message: string }
  | { kind: 'internal'; message: string };

export type WorkerRequest =
  | { type: 'snapshot'; id: number }
  | { type: 'stop'; id: number }
  /** Answered through `exitSignal`, not by a message: the caller's thread is blocked in process 'exit'. */
  | { type: 'exit-snapshot' };

export type WorkerMessage =
  | { type: 'ready'; port: number; restored: SnapshotCounts }
  | { type: 'start-failed'; failure: StartFailure }
  | { type: 'done'; id: number; error?: string };
