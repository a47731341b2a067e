import { CustomerProfileInput, CustomerRouteParams } from '../shared/customers/schema.js';
import { customerView } from '../shared/customers/view.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { mergeConflictFailure, survivorHeaders } from '../shared/links/http.js';
import { LinkList, linkView } from '../shared/links/schema.js';
import { learnFromProfile, linkConflicts, linkIdentities } from '../shared/links/service.js';
import { services } from '../shared/services.js';

const CustomerPut = CustomerProfileInput.extend({ links: LinkList.optional() });

/**
 * PUT /api/customers/{customerId} — create or replace the profile; scores kept by winback stay. `links` adds
 * identities (as POST …/links does; links not named stay — remove one with DELETE). A link that would merge
 * conflicting profiles is 409 and nothing is stored. A verified e-mail is learned as a link when
 * LINK_EMAIL_MATCHING allows. An id merged into another customer writes that customer.
 */
export const customersPut = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const body = await readJson(request, CustomerPut);
  if (!body.ok) return body.failure;
  const { runtime, customers, links } = services();
  const now = runtime.clock.now();
  const { links: refs, ...profile } = body.value;
  const current = await links.resolver.current(params.value.customerId);
  // The merges the links imply are checked against the new profile before anything is written; the profile
  // is stored first, so what the merged customers know fills its gaps rather than being replaced by it.
  const conflict = refs === undefined ? undefined : await linkConflicts(links, current.customerId, refs, profile);
  if (conflict?.kind === 'conflict') return mergeConflictFailure(conflict);
  const { customer: stored, created } = await customers.putProfile(current.customerId, profile, now);
  let customer = stored;
  if (refs !== undefined) {
    const linked = await linkIdentities(links, current.customerId, refs, now);
    if (linked.kind === 'conflict') return mergeConflictFailure(linked); // a profile that changed meanwhile
    if (linked.merged.length > 0) customer = (await customers.get(linked.customerId))?.customer ?? stored;
  }
  await learnFromProfile(links, current.customerId, profile, now);
  const linkDocs = await links.repo.linksOf(current.customerId);
  return jsonResponse(created ? 201 : 200, { ...customerView(customer), links: linkDocs.map(linkView) }, survivorHeaders(current));
});

httpFunction('customers-put', {
  route: 'customers/{customerId}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: customersPut,
  doc: {
    summary: 'Create or replace the profile; scores kept by winback stay',
    tags: ['customers'],
    params: CustomerRouteParams,
    body: {
      schema: CustomerProfileInput,
      example: { email: 'anna@example.com', firstName: 'Anna', locale: 'de-DE', timeZone: 'Europe/Berlin', consents: { email: { granted: true, at: '2026-10-01T09:00:00Z', source: 'pos-signup' } } },
    },
    responses: {
      201: { description: 'Created', example: { id: 'C-42', email: 'anna@example.com', createdAt: '2026-11-02T12:00:00.000Z' } },
      200: { description: 'Replaced', example: { id: 'C-42', email: 'anna@example.com', updatedAt: '2026-11-02T12:00:00.000Z' } },
    },
  },
});
