import { app, type HttpRequest } from '@azure/functions';
import { z } from 'zod';
import { localeFromAcceptLanguage, unsubscribe, unsubscribePage } from '../shared/channels/unsubscribe.js';
import { problemResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { services } from '../shared/services.js';

const Query = z.object({ token: z.string('the unsubscribe token is missing').min(1, 'the unsubscribe token is missing').max(2048) });

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
  const query = validateParams(Query, { token: request.query.get('token') ?? undefined });
  const outcome = query.ok ? await unsubscribe({ secret, customers }, query.value.token, runtime.clock.now()) : undefined;
  if (!outcome || outcome.kind === 'invalid') {
    const message = outcome ? `the token is not valid: ${outcome.problem}` : 'the unsubscribe token is missing';
    if (wantsPage(request)) return html(400, unsubscribePage(readerLocale, { ok: false }));
    return problemResponse({ status: 400, title: 'Invalid request', detail: message, errors: [{ pointer: '/query/token', message }] });
  }
  context.log(`unsubscribe: ${outcome.channel} consent of ${outcome.customerId} ${outcome.change}`);
  return html(200, unsubscribePage(outcome.locale ?? readerLocale, { ok: true, channel: outcome.channel }));
});

app.http('unsubscribe', {
  route: 'unsubscribe',
  methods: ['GET', 'POST'],
  authLevel: 'anonymous',
  handler: unsubscribeHandler,
});
