/**
 * Entry of the segmentation's worker threads (compute-pool.ts): runs the same pure tasks a shard runs
 * in-process. Part of the deployment package (dist/shared); `npm run check:package` starts it from there.
 */
import { serveTasks } from '../worker-pool.js';
import { scoreWork, summarizeRows } from './compute.js';
import type { ComputeRequest, ComputeAnswer } from './compute-pool.js';

serveTasks<ComputeRequest, ComputeAnswer>((request) => {
  switch (request.kind) {
    case 'summarize':
      return { kind: 'summarize', output: summarizeRows(request.task) };
    case 'score':
      return { kind: 'score', scored: scoreWork(request.task) };
    default: {
      const exhaustive: never = request;
      throw new Error(`unknown task ${JSON.stringify(exhaustive)}`);
    }
  }
});
