// Every string the dashboard shows, in English and German. Numbers and dates are formatted with Intl for the
// chosen locale; nothing here is concatenated with numbers by hand.
export const messages = {
  en: {
    language: 'Language',
    navResults: 'Results', navSegments: 'Segments', navCustomers: 'Who to act on', navOffers: 'Offers', navChannels: 'Channels',
    signInTitle: 'Sign in to winback',
    signInText: 'The dashboard needs the function key of this winback installation. Ask your administrator, or take it from the output of npm start.',
    signInWrong: 'That key was not accepted. Check it and try again.',
    signInKey: 'Function key', signInButton: 'Sign in', signOut: 'Sign out',
    loading: 'Loading…', loadFailed: 'Could not load {what}: {detail}', retry: 'Retry',
    results: 'Results per journey', journey: 'Journey', noJourneys: 'No journey has enrolled anyone yet.',
    asOf: 'as of {date}', attribution: 'Attribution window: {days} days after entry',
    funnel: 'Funnel', arm: 'Arm', control: 'Control (holdout)',
    enrolled: 'Enrolled', messaged: 'Messaged', couponsIssued: 'Coupons issued', couponsRedeemed: 'Coupons redeemed',
    redemptionRate: 'Redemption rate', reactivated: 'Reactivated', reactivationRate: 'Reactivation rate',
    revenue: 'Revenue', revenuePerEnrolled: 'Revenue per enrolled', discountCost: 'Discount cost',
    uplift: 'Uplift against {against}', reactivationUplift: 'Reactivation uplift', revenueUplift: 'Revenue per enrolled',
    ci: '95 % interval {lo} to {hi}', pValue: 'p = {p}', method: 'Method: {method}',
    incrementalRevenue: 'Incremental revenue', incrementalNet: 'Incremental revenue net of discount',
    varianceReduction: 'CUPED variance reduction: {pct}',
    significantUp: 'The treatment very likely raised this: the whole interval is above zero.',
    significantDown: 'The treatment very likely lowered this: the whole interval is below zero.',
    notSignificant: 'Not proven: the interval includes zero, so the effect could be none.',
    srmOk: 'Split as configured (sample-ratio check p = {p}).',
    srmBad: 'Sample-ratio mismatch (p = {p}): arms are not split as configured — do not trust these results until the cause is found.',
    powered: 'Enough customers to detect an uplift of {mde} or more.',
    underpowered: 'Too few customers so far: only an uplift of {mde} or more could be detected.',
    overTime: 'Over time (by entry day, cumulative)', treatment: 'Treatment', band: '95 % band',
    segments: 'Segments', segmentsLatest: 'Latest run {runId} as of {asOf}: {customers} customers',
    noSegments: 'No segmentation run has completed yet.',
    segment: 'Segment', customersCount: 'Customers', share: 'Share',
    movements: 'Movements since the previous run', from: 'From', to: 'To', count: 'Customers', none: '(new)',
    distributions: 'Churn risk and value', pAliveDist: 'P(alive)', clvDist: 'Expected 12-month value',
    whoToAct: 'Who to act on', chooseSegment: 'Segment', sortBy: 'Sort',
    customer: 'Customer', pAlive: 'P(alive)', expectedClv: 'Expected CLV (12 m)', daysSince: 'Days since last purchase',
    usualGap: 'Usual gap (days)', consent: 'Consent', currentJourney: 'Current journey',
    more: 'Load more', downloadCsv: 'Download CSV', noCustomers: 'Nobody in this segment.',
    offers: 'Offers and coupons', offer: 'Offer', tier: 'Tier', issued: 'Issued', redeemed: 'Redeemed',
    budgetUsed: 'Budget used', expiringSoon: 'Coupons expiring in the next 7 days: {n}', noOffers: 'No coupons issued yet.',
    channels: 'Channels', channel: 'Channel', status: 'Status', reason: 'Reason', noMessages: 'No messages yet.',
    yes: 'yes', no: 'no',
  },
  de: {
    language: 'Sprache',
    navResults: 'Ergebnisse', navSegments: 'Segmente', navCustomers: 'Handlungsbedarf', navOffers: 'Angebote', navChannels: 'Kanäle',
    signInTitle: 'Bei winback anmelden',
    signInText: 'Das Dashboard braucht den Funktionsschlüssel dieser winback-Installation. Fragen Sie Ihre Administration oder nehmen Sie ihn aus der Ausgabe von npm start.',
    signInWrong: 'Dieser Schlüssel wurde nicht angenommen. Bitte prüfen und erneut versuchen.',
    signInKey: 'Funktionsschlüssel', signInButton: 'Anmelden', signOut: 'Abmelden',
    loading: 'Wird geladen…', loadFailed: '{what} konnte nicht geladen werden: {detail}', retry: 'Erneut versuchen',
    results: 'Ergebnisse je Journey', journey: 'Journey', noJourneys: 'Noch keine Journey hat jemanden aufgenommen.',
    asOf: 'Stand {date}', attribution: 'Zurechnungsfenster: {days} Tage nach Eintritt',
    funnel: 'Trichter', arm: 'Gruppe', control: 'Kontrollgruppe',
    enrolled: 'Aufgenommen', messaged: 'Angeschrieben', couponsIssued: 'Gutscheine ausgegeben', couponsRedeemed: 'Gutscheine eingelöst',
    redemptionRate: 'Einlösequote', reactivated: 'Reaktiviert', reactivationRate: 'Reaktivierungsquote',
    revenue: 'Umsatz', revenuePerEnrolled: 'Umsatz je Aufgenommenem', discountCost: 'Rabattkosten',
    uplift: 'Wirkung gegenüber {against}', reactivationUplift: 'Mehr Reaktivierung', revenueUplift: 'Umsatz je Aufgenommenem',
    ci: '95-%-Intervall {lo} bis {hi}', pValue: 'p = {p}', method: 'Methode: {method}',
    incrementalRevenue: 'Zusätzlicher Umsatz', incrementalNet: 'Zusätzlicher Umsatz abzüglich Rabatt',
    varianceReduction: 'CUPED-Varianzreduktion: {pct}',
    significantUp: 'Die Maßnahme hat dies sehr wahrscheinlich erhöht: das ganze Intervall liegt über null.',
    significantDown: 'Die Maßnahme hat dies sehr wahrscheinlich gesenkt: das ganze Intervall liegt unter null.',
    notSignificant: 'Nicht belegt: das Intervall enthält null, die Wirkung könnte also keine sein.',
    srmOk: 'Aufteilung wie eingestellt (Stichprobenverhältnis-Test p = {p}).',
    srmBad: 'Stichprobenverhältnis passt nicht (p = {p}): die Gruppen sind nicht wie eingestellt aufgeteilt — den Ergebnissen erst trauen, wenn die Ursache gefunden ist.',
    powered: 'Genug Kundschaft, um eine Wirkung ab {mde} zu erkennen.',
    underpowered: 'Bisher zu wenig Kundschaft: erst eine Wirkung ab {mde} wäre erkennbar.',
    overTime: 'Zeitverlauf (nach Eintrittstag, kumuliert)', treatment: 'Maßnahme', band: '95-%-Band',
    segments: 'Segmente', segmentsLatest: 'Letzter Lauf {runId} zum {asOf}: {customers} Kundinnen und Kunden',
    noSegments: 'Es ist noch kein Segmentierungslauf abgeschlossen.',
    segment: 'Segment', customersCount: 'Kundschaft', share: 'Anteil',
    movements: 'Wechsel seit dem vorigen Lauf', from: 'Von', to: 'Nach', count: 'Kundschaft', none: '(neu)',
    distributions: 'Abwanderungsrisiko und Wert', pAliveDist: 'P(aktiv)', clvDist: 'Erwarteter 12-Monats-Wert',
    whoToAct: 'Handlungsbedarf', chooseSegment: 'Segment', sortBy: 'Sortierung',
    customer: 'Kunde', pAlive: 'P(aktiv)', expectedClv: 'Erwarteter CLV (12 M.)', daysSince: 'Tage seit letztem Kauf',
    usualGap: 'Üblicher Abstand (Tage)', consent: 'Einwilligung', currentJourney: 'Aktuelle Journey',
    more: 'Mehr laden', downloadCsv: 'CSV herunterladen', noCustomers: 'Niemand in diesem Segment.',
    offers: 'Angebote und Gutscheine', offer: 'Angebot', tier: 'Stufe', issued: 'Ausgegeben', redeemed: 'Eingelöst',
    budgetUsed: 'Budget verbraucht', expiringSoon: 'Gutscheine, die in den nächsten 7 Tagen ablaufen: {n}', noOffers: 'Noch keine Gutscheine ausgegeben.',
    channels: 'Kanäle', channel: 'Kanal', status: 'Status', reason: 'Grund', noMessages: 'Noch keine Nachrichten.',
    yes: 'ja', no: 'nein',
  },
};

export function pickLanguage(stored, navigatorLanguages) {
  if (stored === 'de' || stored === 'en') return stored;
  for (const tag of navigatorLanguages ?? []) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (base === 'de' || base === 'en') return base;
  }
  return 'en';
}

/** "{name}" placeholders filled from vars. */
export function translate(lang, key, vars = {}) {
  const template = messages[lang]?.[key] ?? messages.en[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (vars[name] === undefined ? `{${name}}` : String(vars[name])));
}

/** Intl formatters for one locale: the page and the browser test format with these same options. */
export function formatters(lang) {
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  const cache = new Map();
  const nf = (options) => {
    const key = JSON.stringify(options);
    if (!cache.has(key)) cache.set(key, new Intl.NumberFormat(locale, options));
    return cache.get(key);
  };
  return {
    locale,
    integer: (n) => nf({ maximumFractionDigits: 0 }).format(n),
    decimal: (n, digits = 2) => nf({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n),
    percent: (n, digits = 1) => nf({ style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n),
    /** Percentage points for differences of rates: +1.2 pp */
    points: (n, digits = 1) => `${n > 0 ? '+' : ''}${nf({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n * 100)} ${lang === 'de' ? 'Pp.' : 'pp'}`,
    money: (n, currency) =>
      currency ? nf({ style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n) : nf({ minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n),
    signedMoney: (n, currency) =>
      currency
        ? nf({ style: 'currency', currency, signDisplay: 'exceptZero', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n)
        : nf({ signDisplay: 'exceptZero', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n),
    pValue: (p) => (p < 0.001 ? (lang === 'de' ? '< 0,001' : '< 0.001') : nf({ minimumFractionDigits: 3, maximumFractionDigits: 3 }).format(p)),
    date: (iso) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso)),
  };
}
