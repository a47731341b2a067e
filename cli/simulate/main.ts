/**
 * npm run simulate -- --customers N --days D --seed S --effect E [--coupon-effect C] [--json] [--url URL]
 *
 * A retailer's year, fast-forwarded: a synthetic customer base with a known true response, its history
 * loaded through the public API of a local host on a virtual clock, then day by day — nightly segmentation,
 * journeys, messages, coupons — with the customers' purchases, redemptions, webhooks, refunds and repeats
 * coming back through the POS and shop endpoints. Ends with the KPIs and a self-check that each 95 %
 * interval contains the effect the simulation injected.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { HostError, resolveFunctionKey } from '../host-client.js';
import { Progress, formatDuration } from '../progress.js';
import { MissingRouteError, ShapeError } from './campaign.js';
import { simulate, type SimulateOptions, type SimulateResult } from './run.js';

const usage = `Usage: npm run simulate -- [options]
  --customers N        customers (default 2000)
  --days D             days simulated forward (default 120)
  --seed S             random seed (default 42); the same seed gives the same retailer and responses
  --effect E           true absolute effect of a message on reactivation within the attribution window (default 0.04)
  --coupon-effect C    true effect of the coupon on top (default 0.02)
  --history-days H     days of history before the start (default 540)
  --start DATE         first simulated day (default 2026-01-05)
  --no-journeys        purchases and nightly segmentation only (journeys, messages and KPIs not read)
  --url URL            use a running host (started with --virtual-clock at or before --start) instead of starting one
  --key KEY            its function key (default WINBACK_FUNCTION_KEY, else .winback/function-key)
  --shopify-secret S   its SHOPIFY_WEBHOOK_SECRET, to send signed Shopify webhooks (a host the command starts gets its own)
  --refunds R          share of purchases refunded a few days later (default 0.02)
  --repeats R          share of requests a till or shop sends twice (default 0.01)
  --concurrency N      requests in flight (default 16)
  --keep               keep the host it started running afterwards (to look at its API and dashboard)
  --json               print one JSON line last`;

const Options = z.object({
  customers: z.coerce.number().int().min(1).max(1_000_000),
  days: z.coerce.number().int().min(1).max(3650),
  seed: z.coerce.number().int(),
  effect: z.coerce.number().min(0).max(1),
  couponEffect: z.coerce.number().min(0).max(1),
  historyDays: z.coerce.number().int().min(30).max(3650),
  start: z.iso.date().transform((d) => new Date(`${d}T00:00:00Z`)),
  url: z.url({ protocol: /^https?$/ }).optional(),
  key: z.string().optional(),
  shopifySecret: z.string().optional(),
  refundShare: z.coerce.number().min(0).max(1),
  duplicateShare: z.coerce.number().min(0).max(1),
  concurrency: z.coerce.number().int().min(1).max(64),
  journeys: z.boolean(),
  keep: z.boolean(),
  json: z.boolean(),
});

function parse(argv: string[]): SimulateOptions & { json: boolean } {
  const { values } = parseArgs({
    args: argv,
    options: {
      customers: { type: 'string', default: '2000' },
      days: { type: 'string', default: '120' },
      seed: { type: 'string', default: '42' },
      effect: { type: 'string', default: '0.04' },
      'coupon-effect': { type: 'string', default: '0.02' },
      'history-days': { type: 'string', default: '540' },
      start: { type: 'string', default: '2026-01-05' },
      'no-journeys': { type: 'boolean', default: false },
      url: { type: 'string' },
      key: { type: 'string' },
      'shopify-secret': { type: 'string' },
      refunds: { type: 'string', default: '0.02' },
      repeats: { type: 'string', default: '0.01' },
      concurrency: { type: 'string', default: '16' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const parsed = Options.safeParse({
    customers: values.customers,
    days: values.days,
    seed: values.seed,
    effect: values.effect,
    couponEffect: values['coupon-effect'],
    historyDays: values['history-days'],
    start: values.start,
    url: values.url,
    key: values.url ? resolveFunctionKey({ key: values.key, dataDir: '.winback' }) : undefined,
    shopifySecret: values['shopify-secret'],
    refundShare: values.refunds,
    duplicateShare: values.repeats,
    concurrency: values.concurrency,
    journeys: !values['no-journeys'],
    keep: values.keep,
    json: values.json,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${issue.message}`);
  }
  return parsed.data;
}

function report(result: SimulateResult): string[] {
  const lines = [
    '',
    `simulated ${result.customers.toLocaleString('en')} customers × ${result.days} days (seed ${result.seed}) in ${formatDuration(result.seconds)}`,
    `  figures: ${Object.entries(result.figures).map(([k, v]) => `${k} ${typeof v === 'number' ? Math.round(v * 100) / 100 : v}`).join(', ')}`,
    `  requests: ${Object.entries(result.requests).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ];
  if (result.cosmosRequestsByFunction) {
    lines.push(`  Cosmos requests of the forward days by function: ${Object.entries(result.cosmosRequestsByFunction).map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`);
  }
  const writes = Object.entries(result.segmentWrites);
  if (writes.length > 0) {
    lines.push(`  customer documents the nightly segmentation wrote, by why: ${writes.map(([k, v]) => `${k} ${v.toLocaleString('en')}`).join(', ')}`);
  }
  if (result.kpis) {
    lines.push('', `KPIs for winback-default (attribution ${result.kpis.attributionDays} days, as of ${result.kpis.asOf}):`, '  arm                 enrolled  reactivated  rate');
    for (const arm of result.kpis.arms) {
      lines.push(`  ${arm.arm.padEnd(18)}  ${String(arm.enrolled).padStart(8)}  ${String(arm.reactivated ?? '').padStart(11)}  ${arm.reactivationRate == null ? '' : (100 * arm.reactivationRate).toFixed(2) + ' %'}`);
    }
    const currency = result.kpis.currency ?? '';
    const money = (v: number) => v.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    const perEnrolled = (v: number, n: number) => money(n > 0 ? v / n : 0);
    lines.push(
      '',
      `Revenue per arm (${currency}): what the KPIs counted, what the simulation booked for the orders of the enrollments it watched (the revenue truth rests on`,
      'these agreeing), and per enrolled customer with the journey and without it (chance sets the arms apart without it; the estimate carries that noise):',
    );
    for (const r of result.revenueByArm) {
      lines.push(`  ${r.arm.padEnd(18)}  counted ${money(r.counted)}, booked ${money(r.booked)}; per enrolled ${perEnrolled(r.booked, r.enrolled)}, without the journey ${perEnrolled(r.withoutJourney, r.enrolled)}`);
    }
    lines.push('', 'Self-check (each 95 % interval must contain the injected effect):');
    for (const c of result.journeys) {
      const verdict = c.covered ? 'covered' : 'NOT COVERED';
      switch (c.metric) {
        case 'reactivation':
          lines.push(
            `  ${c.arms[0]} vs ${c.arms[1]}, reactivation: estimate ${(100 * c.estimate).toFixed(2)} pp, 95 % CI [${(100 * c.ci95[0]).toFixed(2)}, ${(100 * c.ci95[1]).toFixed(2)}], injected ${(100 * c.injected).toFixed(2)} pp — ${verdict}`,
          );
          break;
        case 'revenuePerEnrolled':
          lines.push(
            `  ${c.arms[0]} vs ${c.arms[1]}, revenue per enrolled: estimate ${c.estimate.toFixed(2)} ${currency}, 95 % CI [${c.ci95[0].toFixed(2)}, ${c.ci95[1].toFixed(2)}], injected ${c.injected.toFixed(2)} ${currency} — ${verdict}`,
          );
          break;
        default: {
          const exhaustive: never = c.metric;
          throw new Error(`unknown metric ${String(exhaustive)}`);
        }
      }
    }
  }
  lines.push('', `Dashboard: ${result.dashboardUrl}`);
  if (result.failures.length > 0) lines.push('', 'Requests the host refused unexpectedly:', ...result.failures.map((f) => `  ${f}`));
  return lines;
}

async function main() {
  let options: ReturnType<typeof parse>;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  try {
    const result = await simulate(options, new Progress());
    for (const line of report(result)) console.log(line);
    if (options.json) {
      const { customers, days, seed, trueEffect, trueCouponEffect, journeys, seconds, figures, requests, cosmosRequestsByFunction, segmentWrites } = result;
      console.log(JSON.stringify({ customers, days, seed, trueEffect, trueCouponEffect, journeys, seconds: Math.round(seconds * 10) / 10, figures, requests, cosmosRequestsByFunction, segmentWrites, mode: options.journeys ? 'full' : 'no-journeys' }));
    }
    const uncovered = result.journeys.filter((j) => !j.covered).length;
    if (result.failures.length > 0 || uncovered > 0) process.exitCode = 1;
  } catch (error) {
    const known = error instanceof MissingRouteError || error instanceof HostError || error instanceof ShapeError;
    console.error(`\nsimulate failed: ${(error as Error).message}`);
    if (!known || process.env['WINBACK_DEBUG']) console.error((error as Error).stack);
    process.exit(1);
  }
}

await main();
