import { app, type InvocationContext, type Timer } from '@azure/functions';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';

/** A merge older than this is not running any more: its request crashed or timed out (Functions: ≤ 10 min). */
const stalledAfterMs = 15 * 60 * 1000;

/**
 * Every 10 minutes: finishes customer merges a crash left half done and no later link call for either
 * customer resumed (shared/links/merge.ts). Each part of a merge is idempotent, so a merge still running
 * elsewhere is harmless to resume.
 */
export async function linksMergesResume(_timer: Timer, context: InvocationContext): Promise<void> {
  const { runtime, links } = services();
  const log = logger(context);
  const summary = await links.merger.resumeStalled(runtime.clock.now(), { olderThanMs: stalledAfterMs, limit: 100 }, (line) => log.warn('links.merge_resume_warning', { detail: line }));
  if (summary.resumed + summary.failed > 0) {
    log.info('links.merges_resumed', { resumed: summary.resumed, failed: summary.failed, detail: `links-merges-resume: ${summary.resumed} stalled merges finished, ${summary.failed} failed` });
  }
  if (summary.failed > 0) throw new Error(`links-merges-resume: ${summary.failed} merges could not be finished (see warnings)`);
}

app.timer('links-merges-resume', {
  schedule: '0 */10 * * * *',
  handler: linksMergesResume,
});
