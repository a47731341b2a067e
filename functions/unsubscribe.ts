import type { HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { localeFromAcceptLanguage, unsubscribe, unsubscribePage } from '../shared/channels/unsubscribe.js';
import { problemResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { correlationId, httpHandler, validateQuery } from '../shared/http/request.js';
import { logger } from '../shared/log.js';
import { services } from '../shared/services.js';

/** Not strict: links pass through mail clients and trackers that append their own parameters. */
export const UnsubscribeQuery = z.object({
  token: z.string('the unsubscribe token is missing').min(1, 'the unsubscribe token is missing').max(2048).meta({ description: 'the token from the link in the message' }),
});

const html = (status: number, body: string) => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-robots-tag': 'noindex', 'referrer-policy': 'no-referrer' },
  body,
});

/** A person clicking a link gets a page; a mailbox provider's one-click POST (RFC 8058) gets problem+json on failure. */
const wantsPage = (request: HttpRequest) => request.method === 'GET' || /text\/html/.test(request.headers.get('accept') ?? '');

/** GET and POST /api/unsubscribe?token=… — anonymous: the token itself is the credential. */
export const unsubscribeHandler = httpHandler(async (request, context) => {
  const { runtime, customers } = services();
  const secret = runtime.settings.channels.unsubscribeSecret;
  if (!secret) return { kind: 'not_found', detail: 'unsubscribe links are not configured (UNSUBSCRIBE_SECRET)' };
  const readerLocale = localeFromAcceptLanguage(request.headers.get('accept-language'));
  const query = validateQuery(UnsubscribeQuery, request);
  const outcome = query.ok ? await unsubscribe({ secret, customers }, query.value.token, runtime.clock.now()) : undefined;
  if (!outcome || outcome.kind === 'invalid') {
    const message = outcome ? `the token is not valid: ${outcome.problem}` : 'the unsubscribe token is missing';
    if (wantsPage(request)) return html(400, unsubscribePage(readerLocale, { ok: false }));
    return problemResponse({ status: 400, title: 'Invalid request', detail: message, errors: [{ pointer: '/query/token', message }] });
  }
  logger(context, { correlationId: correlationId(request, context) }).info('consent.unsubscribed', {
    customerId: outcome.customerId,
    channel: outcome.channel,
    change: outcome.change,
    detail: `unsubscribe: ${outcome.channel} consent ${outcome.change}`,
  });
  return html(200, unsubscribePage(outcome.locale ?? readerLocale, { ok: true, channel: outcome.channel }));
});

httpFunction('unsubscribe', {
  route: 'unsubscribe',
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: unsubscribeHandler,
  doc: {
    summary: 'Unsubscribe link (GET, a page for a person) and one-click unsubscribe (POST, RFC 8058): withdraws the consent the token names',
    description:
      'Anonymous: the token is an HMAC over customer and channel. A second click changes nothing. A missing or tampered token is a 400: an HTML page for GET (or an `Accept: text/html` POST), `application/problem+json` for a POST.',
    tags: ['channels', 'customers'],
    query: UnsubscribeQuery,
    responses: { 200: { description: 'An HTML page in the customer\'s language confirming the channel is unsubscribed' } },
    errors: { 404: 'Unsubscribe links are not configured (UNSUBSCRIBE_SECRET)' },
  },
});
