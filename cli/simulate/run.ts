import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { mapWithConcurrency } from '../../shared/concurrency.js';
import { currencyExponent, fromMinorUnits, toMinorUnits } from '../../shared/money.js';
import { devAccountKey, devAccountName } from '../../local/azurite.js';
import { spawnLocalHost, type SpawnedHost } from '../../local/spawn.js';
import { Rng } from '../../sim/random.js';
import { dayMs, defaultRetailer, generateCustomers, type SimCustomer } from '../../sim/retailer.js';
import { respond, toppedUp, type ResponseConfig } from '../../sim/response.js';
import { naturalPurchase, naturalTimeline, type Timeline } from '../../sim/timeline.js';
import { HostClient, HostError } from '../host-client.js';
import { Progress, formatDuration } from '../progress.js';
import { deliveredMessages } from './outbox.js';
import { RevenueLedger } from './revenue.js';
import { enteredCustomers } from './snapshot.js';
import { CampaignApi, journeyId, selfCheck, type CheckedComparison, type KpiReport } from './campaign.js';
import { historyPurchaseBody, isHistory, occurredAt, purchaseRequests, type PlannedPurchase, type SimRequest, type TrafficConfig } from './traffic.js';

export interface SimulateOptions {
  customers: number;
  days: number;
  seed: number;
  effect: number;
  couponEffect: number;
  start: Date;
  historyDays: number;
  url?: string;
  key?: string;
  shopifySecret?: string;
  /** Off: purchases and nightly segmentation only (no journeys, messages or KPIs are read). */
  journeys: boolean;
  refundShare: number;
  duplicateShare: number;
  concurrency: number;
  /** Keep the host this command started running after the run (for the dashboard and the API). */
  keep: boolean;
}

export interface SimulateResult {
  customers: number;
  days: number;
  seed: number;
  trueEffect: number;
  trueCouponEffect: number;
  journeys: CheckedComparison[];
  seconds: number;
  /** The host's dashboard, its key in the query (a host this command started is gone after the run unless --keep). */
  dashboardUrl: string;
  kpis?: KpiReport;
  figures: Record<string, number | string>;
  requests: Record<string, number>;
  /**
   * Per arm: the revenue the KPIs counted and what the simulation booked for the orders of the enrollments
   * it watched (major units). Equal when the truth of the revenue check stands on what the host recorded.
   */
  revenueByArm: { arm: string; enrolled: number; counted: number; booked: number; withoutJourney: number }[];
  /** Cosmos requests of the forward days by the function that sent them, most first (a host this command started). */
  cosmosRequestsByFunction?: Record<string, number>;
  /** Customer documents the forward nights' segmentation runs wrote, by why (docs/segmentation.md), most first. */
  segmentWrites: Record<string, number>;
  failures: string[];
}

const fmt = (n: number) => n.toLocaleString('en');
/** Hours of the UTC day at which the clock stops and the requests due by then are sent (2.1: after the nightly run). */
const sendHours = [2.1, 8, 14, 20, 24];
/** When a request for an event at `at` reaches the host: at the first stop of the clock at or after it. */
function sentAt(at: Date): number {
  const midnight = Math.floor(at.getTime() / dayMs) * dayMs;
  return midnight + sendHours.find((hour) => midnight + hour * 3_600_000 >= at.getTime())! * 3_600_000;
}
/** All requests of a count by container and kind. */
function totalOf(byContainer: Record<string, Record<string, number>>): number {
  let total = 0;
  for (const kinds of Object.values(byContainer)) for (const n of Object.values(kinds)) total += n;
  return total;
}

/** Cosmos requests so far per function that sent them (undefined for a host that does not count them). */
async function cosmosRequestsByFunction(client: HostClient): Promise<Map<string, number> | undefined> {
  const r = await client.request<Record<string, Record<string, Record<string, number>>>>('GET', '/admin/local/cosmos/requests?by=function');
  if (r.status !== 200) return undefined;
  return new Map(Object.entries(r.body).map(([name, byContainer]) => [name, totalOf(byContainer)]));
}

/** Cosmos requests the embedded emulator served so far (undefined for a host that does not count them). */
async function cosmosRequests(client: HostClient): Promise<number | undefined> {
  const r = await client.request<Record<string, Record<string, number>>>('GET', '/admin/local/cosmos/requests');
  return r.status === 200 ? totalOf(r.body) : undefined;
}
const idle = (client: HostClient) => client.expect([200], 'POST', '/admin/local/idle', { timeoutMs: 900_000 });

/** The discount a redemption's answer names, in minor units. */
function discountOf(body: unknown): number {
  const { discount, currency } = (body ?? {}) as { discount?: unknown; currency?: unknown };
  if (typeof discount !== 'number' || typeof currency !== 'string') throw new HostError(`a redemption's answer lacks its discount: ${JSON.stringify(body).slice(0, 200)}`);
  return toMinorUnits(discount, currency) ?? Math.round(discount * 10 ** currencyExponent(currency));
}

/**
 * Sends `requests` while the host's clock stands at `now`, a few at a time, booking each accepted one in
 * `ledger`; a coupon the host refuses falls back to a plain purchase.
 */
async function sendAll(client: HostClient, requests: SimRequest[], now: number, concurrency: number, counts: Record<string, number>, failures: string[], ledger: RevenueLedger) {
  const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  await mapWithConcurrency(requests, concurrency, async (request) => {
    const response = await client.request(request.method, request.path, request.body, request.headers);
    if (response.status < 300) {
      if (request.kind === 'redemption') ledger.book(request, now, discountOf(response.body));
      else ledger.book(request, request.at.getTime());
      return count(request.kind);
    }
    if (request.fallback && [404, 409, 410, 422].includes(response.status)) {
      // Why the till's coupon was refused (expired, below the minimum basket, …): the host says in `reason`.
      const reason = (response.body as { reason?: unknown } | undefined)?.reason;
      count(`redemption-refused:${typeof reason === 'string' ? reason : response.status}`);
      const again = await client.request(request.fallback.method, request.fallback.path, request.fallback.body, request.fallback.headers);
      if (again.status < 300) {
        if (!request.repeat) ledger.book(request.fallback, request.fallback.at.getTime());
        return count(request.fallback.kind);
      }
      failures.push(`${request.fallback.path} → ${again.status} ${again.text.slice(0, 200)}`);
      return;
    }
    count('failed');
    if (failures.length < 20) failures.push(`${request.kind} ${request.path} → ${response.status} ${response.text.slice(0, 200)}`);
  });
}

/** Customers the night's segmentation moved into a trigger segment, from the run's Blob snapshot. */
async function enteredSegments(
  blob: BlobServiceClient | undefined,
  client: HostClient,
  segments: Set<string>,
  runIdSeen: Set<string>,
  onContainer: (name: string) => void,
): Promise<string[] | undefined> {
  if (!blob) return undefined;
  const latest = await client.request<{ runId: string; snapshot?: { container: string; prefix: string } | null }>('GET', '/api/segments');
  if (latest.status !== 200 || !latest.body.snapshot || runIdSeen.has(latest.body.runId)) return [];
  runIdSeen.add(latest.body.runId);
  // The app's Blob container: snapshots and the outbox live in it.
  onContainer(latest.body.snapshot.container);
  const container = blob.getContainerClient(latest.body.snapshot.container);
  const ids: string[] = [];
  for await (const item of container.listBlobsFlat({ prefix: latest.body.snapshot.prefix })) {
    if (!item.name.endsWith('.csv')) continue;
    ids.push(...enteredCustomers((await container.getBlobClient(item.name).downloadToBuffer()).toString('utf8'), segments));
  }
  return ids;
}

interface Watch {
  customer: SimCustomer;
  entryDay: number;
  arm: string;
  enteredAt: string;
  seenMessages: Set<string>;
  treated: boolean;
  couponCode?: string;
  couponUsed: boolean;
  until: number;
}

export async function simulate(options: SimulateOptions, progress: Progress): Promise<SimulateResult> {
  const started = Date.now();
  const figures: Record<string, number | string> = {};
  const counts: Record<string, number> = {};
  const failures: string[] = [];
  const retailer = { ...defaultRetailer(options.customers, options.days, options.start), historyDays: options.historyDays };
  const customers = generateCustomers(retailer, options.seed);
  const timelines: Timeline[] = customers.map((c) => naturalTimeline(c, retailer, options.seed));
  const responseConfig: ResponseConfig = { effect: options.effect, couponEffect: options.couponEffect, attributionDays: 30, responseDays: 14, couponUseRate: 0.6 };

  let spawned: SpawnedHost | undefined;
  let dataDir: string | undefined;
  let client: HostClient;
  let blob: BlobServiceClient | undefined;
  let shopifySecret = options.shopifySecret;
  let functionKey = options.key;
  if (options.url) {
    client = new HostClient({ url: options.url, key: options.key, log: (l) => progress.log(l) });
  } else {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'winback-simulate-'));
    const key = randomBytes(18).toString('base64url');
    functionKey = key;
    shopifySecret = randomBytes(24).toString('base64url');
    progress.log(`starting a local host on a virtual clock at ${options.start.toISOString()} (data in ${dataDir})`);
    spawned = await spawnLocalHost({
      args: ['--port', '0', '--cosmos-port', '0', '--blob-port', '0', '--data-dir', dataDir, '--fresh', '--in-memory', '--quiet', '--virtual-clock', options.start.toISOString()],
      // Shards as docs/segmentation.md advises (customers ÷ 30,000): the default 16 is sized for large bases,
      // and a small one pays sixteen shards' bookkeeping every night for nothing.
      // Shard compute in-process: on a machine whose cores already run the host, the emulator and this
      // command, the worker pool measured slower (docs/segmentation.md, "A shard on every core").
      env: { SEGMENTS_SHARDS: String(Math.min(1024, Math.ceil(options.customers / 30_000))), SEGMENTS_WORKER_THREADS: '1', ...process.env, WINBACK_FUNCTION_KEY: key, SHOPIFY_WEBHOOK_SECRET: shopifySecret },
      timeoutMs: 120_000,
    });
    client = new HostClient({ url: spawned.ready.url, key, log: (l) => progress.log(l) });
    blob = BlobServiceClient.fromConnectionString(
      `DefaultEndpointsProtocol=http;AccountName=${devAccountName};AccountKey=${devAccountKey};BlobEndpoint=${spawned.ready.blobEndpoint};`,
    );
  }
  const traffic: TrafficConfig = { seed: options.seed, retailer, shopifySecret, shopifyShare: 0.5, refundShare: options.refundShare, duplicateShare: options.duplicateShare };
  try {
    const clock = await client.expect<{ now: string; virtual: boolean }>([200], 'GET', '/admin/local/clock');
    if (!clock.body.virtual) throw new HostError(`the host at ${client.url} runs on the system clock; start it with --virtual-clock ${options.start.toISOString()}`);
    if (Date.parse(clock.body.now) > options.start.getTime()) throw new HostError(`the host's virtual clock (${clock.body.now}) is past the simulation start ${options.start.toISOString()}; pass --start`);

    const campaign = options.journeys ? new CampaignApi(client) : undefined;
    await campaign?.preflight(customers[0]!.id);
    await campaign?.resume();
    const definition = campaign ? await campaign.definition() : { attributionDays: responseConfig.attributionDays, segments: [] };
    const attributionDays = definition.attributionDays;
    responseConfig.attributionDays = attributionDays;

    // --- profiles and history through the public API
    const consentAt = new Date(options.start.getTime() - (options.historyDays + 1) * dayMs).toISOString();
    let requestsBefore = await cosmosRequests(client);
    const countRequests = async (figure: string) => {
      const now = await cosmosRequests(client);
      if (now !== undefined && requestsBefore !== undefined) figures[figure] = now - requestsBefore;
      requestsBefore = now;
    };
    let t = Date.now();
    let done = 0;
    await mapWithConcurrency(customers, options.concurrency, async (customer) => {
      const { consents, ...profile } = customer.profile;
      const body = { ...profile, consents: Object.fromEntries(Object.entries(consents).map(([channel, granted]) => [channel, { granted, at: consentAt, source: 'simulation' }])) };
      await client.expect([200, 201], 'PUT', `/api/customers/${customer.id}`, body);
      done++;
      progress.update(() => `profiles: ${fmt(done)} of ${fmt(customers.length)}`);
    });
    figures['profilesSeconds'] = (Date.now() - t) / 1000;
    await countRequests('profilesCosmosRequests');

    t = Date.now();
    const all: PlannedPurchase[] = customers.flatMap((customer, i) => timelines[i]!.purchases.map((purchase, n) => ({ customer, purchase, key: `n${n}` })));
    const history = all.filter((p) => isHistory(traffic, p));
    const batches: PlannedPurchase[][] = [];
    for (let i = 0; i < history.length; i += 1000) batches.push(history.slice(i, i + 1000));
    let loaded = 0;
    await mapWithConcurrency(batches, 2, async (batch) => {
      const response = await client.expect<{ counts: Record<string, number> }>([200], 'POST', '/api/purchases', { purchases: batch.map((p) => historyPurchaseBody(traffic, p)) });
      const { created = 0, duplicate = 0 } = response.body.counts;
      if (created + duplicate !== batch.length) failures.push(`history batch: ${JSON.stringify(response.body.counts)}`);
      loaded += batch.length;
      const seconds = (Date.now() - t) / 1000;
      progress.update(() => `history: ${fmt(loaded)} of ${fmt(history.length)} purchases — ${fmt(Math.round(loaded / seconds))}/s, ETA ${formatDuration(((history.length - loaded) * seconds) / loaded)}`);
    });
    figures['historyPurchases'] = history.length;
    figures['historySeconds'] = (Date.now() - t) / 1000;
    await countRequests('historyCosmosRequests');
    progress.log(`loaded ${fmt(customers.length)} profiles in ${formatDuration(figures['profilesSeconds'] as number)} and ${fmt(history.length)} purchases in ${formatDuration(figures['historySeconds'] as number)}`);

    // --- day by day on the virtual clock
    const pending: SimRequest[] = [];
    const watches = new Map<string, Watch>();
    const injected = new Map<string, number>();
    const ledger = new RevenueLedger();
    const windowOf = (watch: Watch): [number, number] => [Date.parse(watch.enteredAt), Date.parse(watch.enteredAt) + attributionDays * dayMs];
    const triggerSegments = new Set(definition.segments);
    const runsSeen = new Set<string>();
    const byDay = new Map<number, PlannedPurchase[]>();
    for (const planned of all) {
      if (isHistory(traffic, planned)) continue;
      // The evening before the start in zones west of UTC is already after it: sent on the first day.
      const day = Math.max(0, planned.purchase.day);
      const list = byDay.get(day) ?? [];
      list.push(planned);
      byDay.set(day, list);
    }
    let segmentationMs = 0;
    let nightsWithoutRun = 0;
    const segmentWrites: Record<string, number> = {};
    const runsCounted = new Set<string>();
    let events = 0;
    const byFunctionBefore = await cosmosRequestsByFunction(client);
    const loopStarted = Date.now();

    const observe = async (day: number, ids: string[]) => {
      // New enrollments: the journeys' view of each customer the night moved into a trigger segment.
      await mapWithConcurrency(ids, options.concurrency, async (id) => {
        const customer = customers[Number(id) - Number(customers[0]!.id)];
        const previous = watches.get(id);
        if (!customer || (previous && previous.until > day)) return;
        const enrollment = (await campaign!.enrollments(id)).find((e) => e.journeyId === journeyId && e.status === 'active' && e.enteredAt !== previous?.enteredAt);
        if (!enrollment) return;
        const entryDay = Math.floor((Date.parse(enrollment.enteredAt) - options.start.getTime()) / dayMs);
        watches.set(id, { customer, entryDay, arm: enrollment.arm, enteredAt: enrollment.enteredAt, seenMessages: new Set(), treated: false, couponUsed: false, until: entryDay + attributionDays });
      });
    };
    /** A message that reached a watched customer: the first one treats them (with its coupon, if any). */
    const receive = (watch: Watch, message: { messageId: string; couponCode?: string | null }, noticedDay: number) => {
      if (watch.seenMessages.has(message.messageId)) return;
      watch.seenMessages.add(message.messageId);
      // A customer keeps the newest coupon they were sent (the day-21 one replaces the first).
      if (message.couponCode && message.couponCode !== watch.couponCode) {
        watch.couponCode = message.couponCode;
        watch.couponUsed = false;
      }
      if (watch.treated) return;
      watch.treated = true;
      const r = respond({
        seed: options.seed,
        key: `${watch.customer.id}:${watch.enteredAt}`,
        customer: watch.customer,
        timeline: timelines[watch.customer.index]!,
        retailer,
        config: responseConfig,
        treatment: message.couponCode ? 'messageAndCoupon' : 'message',
        entryDay: watch.entryDay,
        noticedDay,
      });
      injected.set(watch.arm, (injected.get(watch.arm) ?? 0) + r.expectedEffect);
      if (r.capped) counts['capped'] = (counts['capped'] ?? 0) + 1;
      if (r.inducedDay !== undefined) {
        const rng = new Rng(options.seed, `induced:${watch.customer.id}:${watch.enteredAt}`);
        const purchase = naturalPurchase(rng, watch.customer, retailer, r.inducedDay);
        const list = byDay.get(r.inducedDay) ?? [];
        list.push({
          customer: watch.customer,
          purchase,
          key: `i${watch.entryDay}`,
          ...(watch.couponCode ? { couponCode: watch.couponCode } : {}),
          effect: { arm: watch.arm, window: windowOf(watch), counterfactualMinor: 0 },
        });
        byDay.set(r.inducedDay, list);
        if (watch.couponCode) watch.couponUsed = true;
        counts['induced'] = (counts['induced'] ?? 0) + 1;
      }
    };
    const outboxSeen = new Set<string>();
    let snapshotContainer = 'winback-snapshots';
    const readMessages = async (day: number, noticedDay: number) => {
      if (blob) {
        // A host this command started: what its outbox delivered today, in the order it was sent.
        for (const message of await deliveredMessages(blob, snapshotContainer, options.start.getTime() + day * dayMs, outboxSeen)) {
          const watch = watches.get(message.customerId);
          if (message.journeyId === journeyId && watch && watch.until > day) receive(watch, message, noticedDay);
        }
        return;
      }
      // A host given with --url: its outbox may not be reachable, so each watched customer's message list.
      await mapWithConcurrency([...watches.values()].filter((w) => w.until > day), options.concurrency, async (watch) => {
        for (const message of await campaign!.messages(watch.customer.id)) {
          if (message.journeyId === journeyId && message.status === 'sent') receive(watch, message, noticedDay);
        }
      });
    };

    /**
     * The day's purchases become requests once the night has enrolled who it enrolls, so that every order of
     * an enrolled customer is booked against its enrollment (RevenueLedger). Natural purchases of coupon
     * holders use the coupon sometimes.
     */
    const planDay = async (day: number) => {
      const planned = (byDay.get(day) ?? []).map((p): PlannedPurchase => {
        const watch = watches.get(p.customer.id);
        // Induced purchases carry their effect already.
        if (!watch || p.effect) return p;
        const natural: PlannedPurchase = { ...p, effect: { arm: watch.arm, window: windowOf(watch), counterfactualMinor: p.purchase.totalMinor } };
        if (!watch.couponCode || watch.couponUsed) return natural;
        if (!new Rng(options.seed, `use:${p.customer.id}:${p.key}`).chance(responseConfig.couponUseRate)) return natural;
        watch.couponUsed = true;
        return { ...natural, couponCode: watch.couponCode };
      });
      byDay.delete(day);
      for (const p of planned) {
        if (!p.couponCode || !campaign) {
          pending.push(...purchaseRequests(traffic, p));
          continue;
        }
        // The customer reads the coupon's conditions: an expired one stays at home, otherwise the basket is
        // filled up to its minimum.
        const conditions = await campaign.couponConditions(p.customer.id, p.couponCode);
        // The host judges the coupon when the request arrives, which is when the clock next stops.
        const arrives = sentAt(occurredAt(retailer, p.customer, p.purchase.day, p.purchase.localMinute));
        if (conditions.expiresAt !== undefined && arrives >= Date.parse(conditions.expiresAt)) {
          counts['coupon-expired-unused'] = (counts['coupon-expired-unused'] ?? 0) + 1;
          const { couponCode: _expired, ...plain } = p;
          pending.push(...purchaseRequests(traffic, plain));
          continue;
        }
        pending.push(...purchaseRequests(traffic, { ...p, purchase: toppedUp(p.purchase, conditions.minBasketMinor) }));
      }
      pending.sort((a, b) => a.at.getTime() - b.at.getTime());
    };

    for (let day = 0; day < options.days; day++) {
      const midnight = options.start.getTime() + day * dayMs;

      for (const hour of sendHours) {
        const boundary = midnight + hour * 3_600_000;
        const segStarted = Date.now();
        await client.expect([200], 'POST', '/admin/local/clock', { to: new Date(boundary).toISOString() });
        await idle(client);
        if (hour === 2.1) {
          segmentationMs += Date.now() - segStarted;

          // The night's run must have completed (asOf yesterday, or the day before in zones west of UTC).
          const latest = await client.request<{ runId?: string; asOf?: string; writeReasons?: Record<string, number> }>('GET', '/api/segments');
          const asOf = latest.status === 200 ? Date.parse(`${latest.body.asOf}T00:00:00Z`) : Number.NaN;
          if (latest.status === 200 && latest.body.runId !== undefined && !runsCounted.has(latest.body.runId)) {
            runsCounted.add(latest.body.runId);
            for (const [reason, n] of Object.entries(latest.body.writeReasons ?? {})) segmentWrites[reason] = (segmentWrites[reason] ?? 0) + n;
          }
          if (!(asOf >= midnight - 2 * dayMs)) {
            nightsWithoutRun++;
            if (nightsWithoutRun === 1) failures.push(`no completed segmentation run for the night of ${new Date(midnight).toISOString().slice(0, 10)} (latest: ${latest.text.slice(0, 200)}); see the host's log`);
          }
          if (campaign) {
            const ids = await enteredSegments(blob, client, triggerSegments, runsSeen, (name) => (snapshotContainer = name));
            if (ids) await observe(day, ids);
          }
          await planDay(day);
        }
        let n = 0;
        while (n < pending.length && pending[n]!.at.getTime() <= boundary) n++;
        const due = pending.splice(0, n);
        events += due.length;
        await sendAll(client, due, boundary, options.concurrency, counts, failures, ledger);
        if (due.length > 0) await idle(client);
      }
      // The day's messages (sent at their local times) are read once it is over; responses start tomorrow.
      if (campaign) await readMessages(day, day + 1);
      const seconds = (Date.now() - loopStarted) / 1000;
      progress.update(
        () =>
          `day ${day + 1}/${options.days} (${new Date(midnight).toISOString().slice(0, 10)}) — ${fmt(events)} events, ${fmt(Math.round(events / seconds))} events/s, ${fmt(watches.size)} enrollments seen, ETA ${formatDuration((seconds / (day + 1)) * (options.days - day - 1))}`,
        day === options.days - 1,
      );
    }
    progress.done();
    figures['forwardSeconds'] = (Date.now() - loopStarted) / 1000;
    await countRequests('forwardCosmosRequests');
    const byFunctionAfter = await cosmosRequestsByFunction(client);
    const forwardByFunction =
      byFunctionBefore && byFunctionAfter
        ? Object.fromEntries([...byFunctionAfter].map(([name, n]) => [name, n - (byFunctionBefore.get(name) ?? 0)] as const).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]))
        : undefined;
    figures['segmentationSecondsPerNight'] = segmentationMs / 1000 / Math.max(1, options.days);
    figures['events'] = events;
    figures['nightsWithoutSegmentation'] = nightsWithoutRun;

    let kpis: KpiReport | undefined;
    let checks: CheckedComparison[] = [];
    let revenueByArm: SimulateResult['revenueByArm'] = [];
    if (campaign) {
      kpis = await campaign.kpis();
      const added = ledger.perArm();
      checks = selfCheck(kpis, injected, added);
      const currency = kpis.currency ?? retailer.currency;
      const booked = ledger.bookedPerArm();
      revenueByArm = kpis.arms.map((a) => {
        const bookedMinor = booked.get(a.arm) ?? 0;
        const counted = a.revenue ?? 0;
        // Every order of every enrollment went through this command: the KPIs must count exactly what it booked.
        if (toMinorUnits(counted, currency) !== bookedMinor) failures.push(`the KPIs counted ${counted} of revenue in arm ${a.arm}, the simulation booked ${fromMinorUnits(bookedMinor, currency)} for its orders`);
        return { arm: a.arm, enrolled: a.enrolled, counted, booked: fromMinorUnits(bookedMinor, currency), withoutJourney: fromMinorUnits(bookedMinor - (added.get(a.arm) ?? 0), currency) };
      });
    }
    return {
      customers: options.customers,
      days: options.days,
      seed: options.seed,
      trueEffect: options.effect,
      trueCouponEffect: options.couponEffect,
      journeys: checks,
      revenueByArm,
      seconds: (Date.now() - started) / 1000,
      dashboardUrl: `${client.url}/api/dashboard${functionKey ? `?code=${encodeURIComponent(functionKey)}` : ''}`,
      ...(kpis ? { kpis } : {}),
      figures,
      requests: counts,
      ...(forwardByFunction ? { cosmosRequestsByFunction: forwardByFunction } : {}),
      segmentWrites: Object.fromEntries(Object.entries(segmentWrites).sort((a, b) => b[1] - a[1])),
      failures,
    };
  } finally {
    if (spawned && options.keep && spawned.child.exitCode === null) {
      progress.log(`\nthe host keeps running: ${spawned.ready.url} (function key ${spawned.ready.functionKey}, data in ${dataDir}); Ctrl-C stops it`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    await spawned?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}
