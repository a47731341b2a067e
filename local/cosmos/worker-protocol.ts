/**
 * Messages between `startCosmosEmulator` (the caller's thread) and the emulator worker, which owns the
 * HTTPS server and the in-memory account. Types only: nothing here runs.
 */
import type { HttpAnswers, HttpCalls } from './in-process.js';
import type { SnapshotCounts } from './snapshot.js';

export interface WorkerStart {
  port: number;
  host: string;
  /** Folder of the snapshot and journals; absent = memory only. */
  dataDir: string | undefined;
  fresh: boolean;
  /** Compact once the journal holds this many bytes, or the last snapshot's size if that is more. */
  compactAfterBytes: number;
  /** The request log (request-counts.ts): container names and the shared counter table. */
  requestLog: { containers: string[]; buffer: SharedArrayBuffer };
}

/** What went wrong at start, rebuilt as the same error in the caller's thread. */
export type StartFailure =
  | { kind: 'listen'; errno: string | undefined; message: string }
  | { kind: 'snapshot-read'; message: string }
  | { kind: 'snapshot-restore'; message: string }
  | { kind: 'journal-read'; message: string }
  | { kind: 'journal-replay'; message: string }
  | { kind: 'internal'; message: string };

/** What the start recovered from the journals written since the last snapshot. */
export interface Recovery {
  /** Mutations replayed onto the snapshot. */
  replayed: number;
  /** Records a crash cut short, dropped (never acknowledged). */
  torn: number;
}

export type WorkerRequest = { type: 'snapshot'; id: number } | { type: 'stop'; id: number } | HttpCalls;

export type WorkerMessage =
  | { type: 'ready'; port: number; restored: SnapshotCounts; recovery: Recovery }
  | { type: 'start-failed'; failure: StartFailure }
  | { type: 'done'; id: number; error?: string }
  | HttpAnswers;
