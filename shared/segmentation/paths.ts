import { snapshotFolders } from '../resources.js';

/** Blob paths of a run: shard work files (only needed while the run is in progress), the snapshot and the state files. */
const pad = (n: number) => String(n).padStart(4, '0');

export const summariesPath = (runId: string, shard: number) => `${snapshotFolders.segmentWork.prefix}${runId}/summaries-${pad(shard)}.json`;
export const partialPath = (runId: string, shard: number) => `${snapshotFolders.segmentWork.prefix}${runId}/partial-${pad(shard)}.json`;
export const snapshotPrefix = (runId: string) => `${snapshotFolders.segmentSnapshots.prefix}${runId}/`;
export const partName = (shard: number) => `part-${pad(shard)}.csv`;
export const partPath = (runId: string, shard: number) => `${snapshotPrefix(runId)}${partName(shard)}`;
export const summaryPath = (runId: string) => `${snapshotPrefix(runId)}summary.json`;
/** What each customer document holds after the run (see state.ts); the next run compares against it. */
export const statePath = (runId: string, shard: number) => `${snapshotFolders.segmentState.prefix}${runId}/state-${pad(shard)}.json`;
