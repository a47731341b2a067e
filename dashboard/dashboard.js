// The marketer's page: plain ES modules and uPlot, no build step. Every figure comes from the public API
// (the same calls any client makes); each shown number keeps its raw value in data-value so tests and
// curious users can check it against the API.
import { formatters, messages, pickLanguage, translate } from './i18n.js';

const keyStorage = 'winback.functionKey';
const langStorage = 'winback.lang';
const state = {
  lang: pickLanguage(localStorage.getItem(langStorage), navigator.languages),
  key: null,
  journeyId: null,
  segment: null,
  sort: 'pAlive',
};
const t = (key, vars) => translate(state.lang, key, vars);
let f = formatters(state.lang);

class AuthError extends Error {}
class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function api(path) {
  const response = await fetch(`/api/${path}`, { headers: { 'x-functions-key': state.key ?? '' } });
  if (response.status === 401) throw new AuthError('unauthorized');
  if (response.status === 404) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.detail ?? `HTTP ${response.status}`);
  return body;
}

// ------------------------------------------------------------------ DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A figure: formatted text, raw value kept for checking. */
function figure(field, value, format, tag = 'span', attrs = {}) {
  if (value === null || value === undefined || Number.isNaN(value)) return el(tag, { ...attrs, 'data-field': field, 'data-value': '' }, '–');
  return el(tag, { ...attrs, 'data-field': field, 'data-value': String(value) }, format(value));
}

/** replaceChildren that skips the null/false of conditional parts, as el() does. */
function fill(container, ...children) {
  container.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

function section(id, title, ...body) {
  return el('section', { class: 'card', id, 'aria-labelledby': `${id}-title` }, el('h2', { id: `${id}-title` }, title), ...body);
}

function failure(what, error, retry) {
  return el('p', { class: 'error', role: 'alert' }, t('loadFailed', { what, detail: error.message }), ' ', el('button', { class: 'secondary', onclick: retry }, t('retry')));
}

// ------------------------------------------------------------------ sign-in

function showSignIn(wrongKey) {
  const app = document.getElementById('app');
  document.getElementById('nav').replaceChildren();
  const input = el('input', { type: 'password', id: 'key', autocomplete: 'current-password', 'aria-label': t('signInKey') });
  const form = el(
    'form',
    {
      class: 'card signin',
      id: 'signin',
      onsubmit: (event) => {
        event.preventDefault();
        const key = input.value.trim();
        if (!key) return;
        sessionStorage.setItem(keyStorage, key);
        state.key = key;
        start();
      },
    },
    el('h2', {}, t('signInTitle')),
    el('p', {}, t('signInText')),
    wrongKey ? el('p', { class: 'error', role: 'alert', id: 'signin-error' }, t('signInWrong')) : null,
    el('label', { for: 'key' }, t('signInKey')),
    input,
    el('button', { class: 'primary', type: 'submit' }, t('signInButton')),
  );
  fill(app, form);
  input.focus();
}

// ------------------------------------------------------------------ results per journey

const funnelRows = [
  ['enrolled', 'integer'],
  ['messaged', 'integer'],
  ['couponsIssued', 'integer'],
  ['couponsRedeemed', 'integer'],
  ['redemptionRate', 'percent'],
  ['reactivated', 'integer'],
  ['reactivationRate', 'percent'],
  ['revenue', 'money'],
  ['revenuePerEnrolled', 'money'],
  ['discountCost', 'money'],
];

function armLabel(arm) {
  return arm === 'control' ? t('control') : arm;
}

function formatBy(kind, currency) {
  switch (kind) {
    case 'integer':
      return f.integer;
    case 'percent':
      return (n) => f.percent(n);
    case 'money':
      return (n) => f.money(n, currency);
    default:
      return String;
  }
}

function funnelTable(kpis) {
  const arms = kpis.arms ?? [];
  const max = Math.max(1, ...arms.map((a) => a.enrolled ?? 0));
  return el(
    'div',
    { class: 'table-wrap' },
    el(
      'table',
      { class: 'funnel', 'data-table': 'funnel' },
      el('thead', {}, el('tr', {}, el('th', { class: 'text' }, t('arm')), ...arms.map((a) => el('th', {}, armLabel(a.arm))))),
      el(
        'tbody',
        {},
        funnelRows.map(([metric, kind]) =>
          el(
            'tr',
            {},
            el('th', { class: 'text', scope: 'row' }, t(metric)),
            ...arms.map((a) =>
              el(
                'td',
                {},
                figure(`arms.${a.arm}.${metric}`, a[metric], formatBy(kind, kpis.currency)),
                metric === 'reactivated'
                  ? el('div', {}, el('span', { class: `bar${a.arm === 'control' ? ' control' : ''}`, style: `width:${Math.round((100 * (a.reactivated ?? 0)) / max)}px` }))
                  : null,
              ),
            ),
          ),
        ),
      ),
    ),
  );
}

function verdictOf(ci) {
  if (!Array.isArray(ci)) return ['', ''];
  if (ci[0] > 0) return [t('significantUp'), 'good'];
  if (ci[1] < 0) return [t('significantDown'), 'bad'];
  return [t('notSignificant'), 'muted'];
}

function comparisonTiles(kpis) {
  const currency = kpis.currency;
  return (kpis.comparisons ?? []).map((c) => {
    const key = `comparisons.${c.arm}.${c.against}`;
    const r = c.reactivation ?? {};
    const m = c.revenuePerEnrolled ?? {};
    const [rText, rClass] = verdictOf(r.ci95);
    const [mText, mClass] = verdictOf(m.ci95);
    return el(
      'div',
      { class: 'comparison', 'data-comparison': `${c.arm}:${c.against}` },
      el('h3', {}, `${armLabel(c.arm)} — ${t('uplift', { against: armLabel(c.against) })}`),
      el(
        'div',
        { class: 'tiles' },
        el(
          'div',
          { class: 'tile' },
          el('div', { class: 'muted' }, t('reactivationUplift')),
          figure(`${key}.reactivation.absolute`, r.absolute, (n) => f.points(n), 'div', { class: 'big' }),
          Array.isArray(r.ci95)
            ? el('div', { class: 'ci' }, t('ci', { lo: f.points(r.ci95[0]), hi: f.points(r.ci95[1]) }))
            : null,
          r.pValue !== undefined ? el('div', { class: 'ci' }, t('pValue', { p: f.pValue(r.pValue) }), ' · ', t('method', { method: r.method ?? '' })) : null,
          el('p', { class: `verdict ${rClass}` }, rText),
        ),
        el(
          'div',
          { class: 'tile' },
          el('div', { class: 'muted' }, t('revenueUplift')),
          figure(`${key}.revenuePerEnrolled.absolute`, m.absolute, (n) => f.signedMoney(n, currency), 'div', { class: 'big' }),
          Array.isArray(m.ci95)
            ? el('div', { class: 'ci' }, t('ci', { lo: f.signedMoney(m.ci95[0], currency), hi: f.signedMoney(m.ci95[1], currency) }))
            : null,
          m.varianceReduction !== undefined && m.varianceReduction !== null
            ? el('div', { class: 'ci' }, t('varianceReduction', { pct: f.percent(m.varianceReduction) }))
            : null,
          el('p', { class: `verdict ${mClass}` }, mText),
        ),
        el(
          'div',
          { class: 'tile' },
          el('div', { class: 'muted' }, t('incrementalRevenue')),
          figure(`${key}.incrementalRevenue`, c.incrementalRevenue?.value, (n) => f.signedMoney(n, currency), 'div', { class: 'big' }),
          Array.isArray(c.incrementalRevenue?.ci95)
            ? el('div', { class: 'ci' }, t('ci', { lo: f.signedMoney(c.incrementalRevenue.ci95[0], currency), hi: f.signedMoney(c.incrementalRevenue.ci95[1], currency) }))
            : null,
          el('div', { class: 'muted' }, t('incrementalNet')),
          figure(`${key}.incrementalRevenueNetOfDiscount`, c.incrementalRevenueNetOfDiscount?.value, (n) => f.signedMoney(n, currency), 'div'),
        ),
      ),
      powerView(c, key),
    );
  });
}

function checksView(kpis) {
  const checks = kpis.checks ?? {};
  const out = [];
  for (const srm of checks.sampleRatio ?? []) {
    if (srm.status === 'unknown' || !srm.check) continue;
    const bad = srm.status === 'mismatch';
    out.push(el('p', { class: bad ? 'bad' : 'good', 'data-check': `srm.${srm.version}`, 'data-value': String(srm.check.pValue) }, t(bad ? 'srmBad' : 'srmOk', { p: f.pValue(srm.check.pValue) })));
  }
  return out;
}

/** The power verdict of one comparison, in words: can these sizes detect the effect the journey hopes for? */
function powerView(c, key) {
  const power = c.power?.reactivation;
  if (!power || typeof power.minimumDetectableEffect !== 'number') return null;
  return el('p', { class: power.powered ? 'good' : 'warn', 'data-check': `${key}.power`, 'data-value': String(power.minimumDetectableEffect) },
    t(power.powered ? 'powered' : 'underpowered', { mde: f.points(power.minimumDetectableEffect) }));
}

/** Treatment against control over entry days, with the 95 % band of the difference drawn around control + diff. */
function timeSeries(daily, field) {
  const days = daily?.days ?? [];
  if (days.length === 0 || typeof uPlot === 'undefined') return null;
  const xs = days.map((d) => Date.parse(`${d.entryDay}T00:00:00Z`) / 1000);
  const arm = (d, name) => (d.arms ?? []).find((a) => a.arm === name);
  const treatName = (days.at(-1).arms ?? []).find((a) => a.arm !== 'control')?.arm;
  if (!treatName) return null;
  const control = days.map((d) => arm(d, 'control')?.[field] ?? null);
  const treat = days.map((d) => arm(d, treatName)?.[field] ?? null);
  const comparison = (d) => (d.comparisons ?? []).find((c) => c.arm === treatName && c.against === 'control');
  const metric = field === 'reactivationRate' ? 'reactivation' : 'revenuePerEnrolled';
  const lo = days.map((d, i) => (comparison(d)?.[metric]?.ci95 && control[i] !== null ? control[i] + comparison(d)[metric].ci95[0] : null));
  const hi = days.map((d, i) => (comparison(d)?.[metric]?.ci95 && control[i] !== null ? control[i] + comparison(d)[metric].ci95[1] : null));
  const holder = el('div', { class: 'chart', 'data-chart': field });
  const width = () => Math.max(280, Math.min(1100, holder.clientWidth || document.getElementById('app').clientWidth - 40));
  const fmt = field === 'reactivationRate' ? (n) => f.percent(n) : (n) => f.money(n, daily.currency);
  const plot = () =>
    new uPlot(
      {
        width: width(),
        height: 240,
        series: [
          { value: (u, v) => (v === null ? '' : f.date(new Date(v * 1000).toISOString())) },
          { label: armLabel('control'), stroke: '#8a94a3', width: 2, value: (u, v) => (v === null ? '–' : fmt(v)) },
          { label: `${t('treatment')} (${treatName})`, stroke: '#1f6feb', width: 2, value: (u, v) => (v === null ? '–' : fmt(v)) },
          { label: t('band'), stroke: 'rgba(31,111,235,0.35)', dash: [4, 4], value: (u, v) => (v === null ? '–' : fmt(v)) },
          { label: '', stroke: 'rgba(31,111,235,0.35)', dash: [4, 4], value: (u, v) => (v === null ? '–' : fmt(v)) },
        ],
        bands: [{ series: [4, 3], fill: 'rgba(31,111,235,0.10)' }],
        // A single entry day would otherwise stretch the axis over years.
        scales: { x: { time: true, range: (u, min, max) => (min === max ? [min - 3 * 86400, max + 3 * 86400] : [min, max]) } },
        axes: [{}, { values: (u, ticks) => ticks.map(fmt), size: 70 }],
      },
      [xs, control, treat, lo, hi],
      holder,
    );
  requestAnimationFrame(plot);
  return el('div', {}, el('h3', {}, t(field)), holder);
}

async function renderResults(container) {
  fill(container, el('p', { class: 'muted' }, t('loading')));
  const journeysBody = await api('journeys');
  const journeys = journeysBody?.items ?? [];
  if (journeys.length === 0) {
    fill(container, el('p', { class: 'empty' }, t('noJourneys')));
    return;
  }
  // A running journey first: paused ones (the shipped defaults until someone resumes them) may have no results.
  if (!state.journeyId || !journeys.some((j) => j.journeyId === state.journeyId)) {
    state.journeyId = (journeys.find((j) => j.status === 'active') ?? journeys[0]).journeyId;
  }
  const select = el(
    'select',
    { id: 'journey', onchange: (event) => ((state.journeyId = event.target.value), renderResults(container)) },
    journeys.map((j) => el('option', { value: j.journeyId, selected: j.journeyId === state.journeyId }, j.name ? `${j.name} (${j.journeyId})` : j.journeyId)),
  );
  const id = encodeURIComponent(state.journeyId);
  const [kpis, daily] = await Promise.all([api(`kpis?journeyId=${id}`), api(`kpis/daily?journeyId=${id}`)]);
  const head = el('div', { class: 'row' }, el('label', {}, t('journey'), ' ', select));
  if (!kpis || (kpis.arms ?? []).length === 0) {
    fill(container, head, el('p', { class: 'empty' }, t('noJourneys')));
    return;
  }
  fill(container, 
    head,
    el('p', { class: 'muted' }, kpis.asOf ? t('asOf', { date: f.date(kpis.asOf) }) : '', ' · ', t('attribution', { days: kpis.attributionDays })),
    el('h3', {}, t('funnel')),
    funnelTable(kpis),
    ...checksView(kpis),
    ...comparisonTiles(kpis),
    el('h3', {}, t('overTime')),
    timeSeries({ ...daily, currency: kpis.currency }, 'reactivationRate'),
    timeSeries({ ...daily, currency: kpis.currency }, 'revenuePerEnrolled'),
  );
}

// ------------------------------------------------------------------ segments

function histogram(field, buckets, format) {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  return el(
    'table',
    { 'data-table': field },
    el('tbody', {}, buckets.map((b) =>
      el('tr', {}, el('td', { class: 'text' }, b.to === null ? `≥ ${format(b.from)}` : `${format(b.from)} – ${format(b.to)}`),
        el('td', {}, figure(`${field}.${b.from}`, b.count, f.integer)),
        el('td', { class: 'text' }, el('span', { class: 'bar', style: `width:${Math.round((160 * b.count) / max)}px` }))),
    )),
  );
}

async function renderSegments(container) {
  fill(container, el('p', { class: 'muted' }, t('loading')));
  const [run, distributions] = await Promise.all([api('segments'), api('segments/distributions')]);
  if (!run) {
    fill(container, el('p', { class: 'empty' }, t('noSegments')));
    return null;
  }
  const entries = Object.entries(run.segments ?? {}).sort((a, b) => b[1] - a[1]);
  const total = run.customers || entries.reduce((s, [, n]) => s + n, 0) || 1;
  const movements = Object.entries(run.movements ?? {})
    .map(([key, n]) => [...key.split('→'), n])
    .filter(([from, to]) => from !== to)
    .sort((a, b) => b[2] - a[2]);
  fill(container, 
    el('p', { class: 'muted' }, t('segmentsLatest', { runId: run.runId, asOf: f.date(run.asOf), customers: f.integer(run.customers ?? total) })),
    el('div', { class: 'table-wrap' }, el('table', { 'data-table': 'segments' },
      el('thead', {}, el('tr', {}, el('th', { class: 'text' }, t('segment')), el('th', {}, t('customersCount')), el('th', {}, t('share')), el('th', {}))),
      el('tbody', {}, entries.map(([name, n]) => el('tr', {},
        el('td', { class: 'text' }, name),
        el('td', {}, figure(`segments.${name}`, n, f.integer)),
        el('td', {}, f.percent(n / total)),
        el('td', { class: 'text' }, el('span', { class: 'bar', style: `width:${Math.round((200 * n) / total)}px` }))))))),
    el('h3', {}, t('movements')),
    movements.length === 0 ? el('p', { class: 'empty' }, '–') : el('div', { class: 'table-wrap' }, el('table', { 'data-table': 'movements' },
      el('thead', {}, el('tr', {}, el('th', { class: 'text' }, t('from')), el('th', { class: 'text' }, t('to')), el('th', {}, t('count')))),
      el('tbody', {}, movements.map(([from, to, n]) => el('tr', {},
        el('td', { class: 'text' }, from === 'none' ? t('none') : from), el('td', { class: 'text' }, to),
        el('td', {}, figure(`movements.${from}→${to}`, n, f.integer))))))),
    distributions ? el('h3', {}, t('distributions')) : null,
    distributions ? el('div', { class: 'row' },
      el('div', {}, el('div', { class: 'muted' }, t('pAliveDist')), histogram('pAlive', distributions.pAlive, (n) => f.percent(n, 0))),
      el('div', {}, el('div', { class: 'muted' }, t('clvDist')), histogram('clv12m', distributions.clv12m, (n) => f.money(n, distributions.currency)))) : null,
  );
  return run;
}

// ------------------------------------------------------------------ who to act on

const customerColumns = [
  ['customer', null],
  ['pAlive', 'pAlive'],
  ['expectedClv', 'clv'],
  ['daysSince', 'lastPurchase'],
  ['usualGap', null],
  ['consent', null],
  ['currentJourney', null],
];

function customerRow(c) {
  const consents = Object.entries(c.consents ?? {}).filter(([, granted]) => granted).map(([channel]) => channel).join(', ');
  return el('tr', { 'data-customer': c.customerId },
    el('td', { class: 'text' }, c.name ? `${c.name} ` : '', el('span', { class: 'muted' }, c.customerId)),
    el('td', {}, figure('pAlive', c.pAlive, (n) => f.percent(n))),
    el('td', {}, figure('expectedClv12m', c.expectedClv12m, (n) => f.money(n, c.currency))),
    el('td', {}, figure('daysSinceLastPurchase', c.daysSinceLastPurchase, f.integer)),
    el('td', {}, figure('typicalIntervalDays', c.typicalIntervalDays, (n) => f.integer(Math.round(n)))),
    el('td', { class: 'text' }, consents || '–'),
    el('td', { class: 'text' }, c.currentJourney ?? '–'));
}

const csvColumns = ['customerId', 'name', 'segment', 'pAlive', 'expectedClv12m', 'currency', 'lastPurchaseDay', 'daysSinceLastPurchase', 'typicalIntervalDays', 'email', 'sms', 'push', 'mail', 'currentJourney'];

function csvCell(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r;]/.test(text) || /^[=+\-@]/.test(text) ? `"${text.replace(/^([=+\-@])/, "'$1").replace(/"/g, '""')}"` : text;
}

async function downloadCsv(segment, sort) {
  const rows = [];
  let token = null;
  do {
    const page = await api(`segments/${encodeURIComponent(segment)}/customers?limit=1000&sort=${sort}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
    rows.push(...(page?.items ?? []));
    token = page?.continuationToken ?? null;
  } while (token && rows.length < 100_000);
  const lines = [csvColumns.join(',')].concat(
    rows.map((c) => csvColumns.map((col) => csvCell(col in (c.consents ?? {}) ? c.consents[col] : c[col])).join(',')),
  );
  const blob = new Blob([lines.join('\r\n') + '\r\n'], { type: 'text/csv' });
  const a = el('a', { href: URL.createObjectURL(blob), download: `winback-${segment}.csv` });
  document.body.append(a);
  a.click();
  a.remove();
}

async function renderCustomers(container, run) {
  const segments = Object.keys(run?.segments ?? {});
  if (segments.length === 0) {
    fill(container, el('p', { class: 'empty' }, t('noSegments')));
    return;
  }
  if (!state.segment || !segments.includes(state.segment)) state.segment = segments.includes('at_risk') ? 'at_risk' : segments[0];
  const body = el('tbody');
  const more = el('button', { class: 'secondary', hidden: true }, t('more'));
  let token = null;
  const load = async () => {
    const page = await api(`segments/${encodeURIComponent(state.segment)}/customers?limit=25&sort=${state.sort}${token ? `&continuationToken=${encodeURIComponent(token)}` : ''}`);
    const items = page?.items ?? [];
    if (!token && items.length === 0) fill(body, el('tr', {}, el('td', { class: 'empty text', colspan: customerColumns.length }, t('noCustomers'))));
    else body.append(...items.map(customerRow));
    token = page?.continuationToken ?? null;
    more.hidden = !token;
  };
  more.addEventListener('click', () => load().catch(report(container, 'customers')));
  const header = customerColumns.map(([label, sortKey]) => {
    if (!sortKey) return el('th', { class: label === 'customer' || label === 'consent' || label === 'currentJourney' ? 'text' : '' }, t(label));
    const current = state.sort === sortKey ? 'ascending' : state.sort === `-${sortKey}` ? 'descending' : 'none';
    return el('th', {}, el('button', {
      'aria-sort': current,
      onclick: () => {
        state.sort = state.sort === sortKey ? `-${sortKey}` : sortKey;
        renderCustomers(container, run).catch(report(container, 'customers'));
      },
    }, t(label)));
  });
  fill(container, 
    el('div', { class: 'row' },
      el('label', {}, t('chooseSegment'), ' ', el('select', {
        id: 'segment',
        onchange: (event) => ((state.segment = event.target.value), renderCustomers(container, run).catch(report(container, 'customers'))),
      }, segments.map((s) => el('option', { value: s, selected: s === state.segment }, s)))),
      el('button', { class: 'secondary', id: 'csv', onclick: () => downloadCsv(state.segment, state.sort).catch(report(container, 'CSV')) }, t('downloadCsv'))),
    el('div', { class: 'table-wrap' }, el('table', { 'data-table': 'customers' }, el('thead', {}, el('tr', {}, header)), body)),
    more,
  );
  await load();
}

// ------------------------------------------------------------------ offers, channels

async function renderOffers(container) {
  const stats = await api('coupons/stats');
  const offers = stats?.offers ?? [];
  if (offers.length === 0) {
    fill(container, el('p', { class: 'empty' }, t('noOffers')));
    return;
  }
  const rows = offers.flatMap((o) => (o.tiers.length > 0 ? o.tiers : [{ tier: null, issued: 0, redeemed: 0, redemptionRate: null }]).map((tier) => ({ o, tier })));
  fill(container, 
    el('div', { class: 'table-wrap' }, el('table', { 'data-table': 'offers' },
      el('thead', {}, el('tr', {}, el('th', { class: 'text' }, t('offer')), el('th', { class: 'text' }, t('tier')), el('th', {}, t('issued')), el('th', {}, t('redeemed')), el('th', {}, t('redemptionRate')), el('th', {}, t('budgetUsed')))),
      el('tbody', {}, rows.map(({ o, tier }) => el('tr', {},
        el('td', { class: 'text' }, o.name ?? o.offerId),
        el('td', { class: 'text' }, tier.tier ?? '–'),
        el('td', {}, figure(`offers.${o.offerId}.${tier.tier ?? ''}.issued`, tier.issued, f.integer)),
        el('td', {}, figure(`offers.${o.offerId}.${tier.tier ?? ''}.redeemed`, tier.redeemed, f.integer)),
        el('td', {}, figure(`offers.${o.offerId}.${tier.tier ?? ''}.redemptionRate`, tier.redemptionRate, (n) => f.percent(n))),
        el('td', {}, figure(`offers.${o.offerId}.budgetUsed`, o.budget?.usedShare ?? null, (n) => f.percent(n)))))))),
    el('p', {}, figure('expiringNext7Days', stats.expiringNext7Days, (n) => t('expiringSoon', { n: f.integer(n) }), 'span')),
  );
}

async function renderChannels(container) {
  const stats = await api('messages/stats');
  const items = stats?.items ?? [];
  if (items.length === 0) {
    fill(container, el('p', { class: 'empty' }, t('noMessages')));
    return;
  }
  fill(container, el('div', { class: 'table-wrap' }, el('table', { 'data-table': 'channels' },
    el('thead', {}, el('tr', {}, el('th', { class: 'text' }, t('channel')), el('th', { class: 'text' }, t('status')), el('th', { class: 'text' }, t('reason')), el('th', {}, t('count')))),
    el('tbody', {}, items.map((row) => el('tr', {},
      el('td', { class: 'text' }, row.channel), el('td', { class: 'text' }, row.status), el('td', { class: 'text' }, row.reason ?? '–'),
      el('td', {}, figure(`channels.${row.channel}.${row.status}.${row.reason ?? ''}`, row.count, f.integer))))))));
}

// ------------------------------------------------------------------ page

const report = (container, what) => (error) => {
  if (error instanceof AuthError) return showSignIn(true);
  console.warn(`${what}: ${error.message}`);
  fill(container, failure(what, error, () => start()));
};

async function start() {
  f = formatters(state.lang);
  document.documentElement.lang = state.lang;
  document.getElementById('lang').value = state.lang;
  document.getElementById('lang-label').textContent = t('language');
  if (!state.key) return showSignIn(false);
  try {
    // One cheap authenticated call first, so a wrong key shows the sign-in form instead of five errors.
    await api('offers');
  } catch (error) {
    if (error instanceof AuthError) return showSignIn(true);
  }
  const parts = {
    results: el('div'), segments: el('div'), customers: el('div'), offers: el('div'), channels: el('div'),
  };
  document.getElementById('nav').replaceChildren(
    ...[['results', 'navResults'], ['segments', 'navSegments'], ['customers', 'navCustomers'], ['offers', 'navOffers'], ['channels', 'navChannels']]
      .map(([id, key]) => el('a', { href: `#${id}` }, t(key))),
    el('button', { class: 'secondary', onclick: () => (sessionStorage.removeItem(keyStorage), (state.key = null), showSignIn(false)) }, t('signOut')),
  );
  document.getElementById('app').replaceChildren(
    section('results', t('results'), parts.results),
    section('segments', t('segments'), parts.segments),
    section('customers', t('whoToAct'), parts.customers),
    section('offers', t('offers'), parts.offers),
    section('channels', t('channels'), parts.channels),
  );
  const segmentsDone = renderSegments(parts.segments).catch((e) => (report(parts.segments, t('segments'))(e), null));
  await Promise.all([
    renderResults(parts.results).catch(report(parts.results, t('results'))),
    segmentsDone.then((run) => renderCustomers(parts.customers, run)).catch(report(parts.customers, t('whoToAct'))),
    renderOffers(parts.offers).catch(report(parts.offers, t('offers'))),
    renderChannels(parts.channels).catch(report(parts.channels, t('channels'))),
  ]);
  document.body.dataset.ready = 'true';
}

// The key may arrive once as ?code= (a bookmarked link from npm start); keep it for this tab only and take it
// out of the address bar so it does not end up in history or screenshots.
const params = new URLSearchParams(location.search);
if (params.has('code')) {
  sessionStorage.setItem(keyStorage, params.get('code'));
  params.delete('code');
  history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}${location.hash}`);
}
state.key = sessionStorage.getItem(keyStorage);
document.getElementById('lang').addEventListener('change', (event) => {
  state.lang = event.target.value;
  localStorage.setItem(langStorage, state.lang);
  start();
});
start();
export { messages };
