/**
 * Customer analytics core (issue 3): purchase summaries, BG/NBD and Gamma-Gamma, RFM, churn risk, segments.
 * Pure: the analysis day is an input, nothing reads the clock or does I/O.
 *
 * Per run: each shard `summarize`s its customers and returns `partialStats`; the coordinator folds them with
 * `mergeStats`, then `fitModels` + `rfmCutPoints` once; shards then score with `scoreCustomer` (or the
 * columnar `Scorer`/`scoreColumns`).
 */
export * from './bgnbd.js';
export * from './config.js';
export * from './days.js';
export * from './gammaGamma.js';
export * from './models.js';
export * from './scoring.js';
export * from './segments.js';
export * from './stats.js';
export * from './summary.js';
export { minimizeBfgs } from './optimize.js';
export { digamma, hyp2f1, logGamma } from './special.js';
