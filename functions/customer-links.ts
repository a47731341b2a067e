import { z } from 'zod';
import { CustomerRouteParams } from '../shared/customers/schema.js';
import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { mergeConflictFailure, survivorHeaders } from '../shared/links/http.js';
import { CustomerRef, LinkList, linkView, LinksRequest } from '../shared/links/schema.js';
import { linkIdentities, linksOf } from '../shared/links/service.js';
import { services } from '../shared/services.js';

/**
 * GET /api/customers/{customerId}/links — the identities linked to the customer.
 * POST /api/customers/{customerId}/links — `{source, externalId}` or `{"links": [...]}`: links them. An
 * identity that belongs to another customer with history merges that customer into this one (409
 * `merge_conflict` with the fields when their profiles disagree; nothing is written). Repeating it changes
 * nothing (the answer then names no merges).
 */
export const customerLinks = httpHandler(async (request) => {
  const params = validateParams(CustomerRouteParams, request.params);
  if (!params.ok) return params.failure;
  const { runtime, links } = services();
  if (request.method === 'GET') {
    const found = await linksOf(links, params.value.customerId);
    return jsonResponse(200, { customerId: found.customerId, links: found.links.map(linkView) }, survivorHeaders(found, '/links'));
  }
  const body = await readJson(request, LinksRequest);
  if (!body.ok) return body.failure;
  const outcome = await linkIdentities(links, params.value.customerId, body.value.links, runtime.clock.now());
  switch (outcome.kind) {
    case 'conflict':
      return mergeConflictFailure(outcome);
    case 'linked':
      return jsonResponse(200, { customerId: outcome.customerId, merged: outcome.merged, links: outcome.links.map(linkView) });
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
});

httpFunction('customer-links', {
  route: 'customers/{customerId}/links',
  methods: ['GET', 'POST'],
  authLevel: 'function',
  handler: customerLinks,
  doc: {
    summary: "A customer's linked identities (GET); link one or more, merging customers that already hold them (POST)",
    tags: ['customers', 'identities'],
    params: CustomerRouteParams,
    body: {
      schema: z.union([CustomerRef, z.strictObject({ links: LinkList })]),
      example: { links: [{ source: 'shopify', externalId: '4206822293653' }, { source: 'phone', externalId: '+4915112345678' }] },
    },
    responses: {
      200: {
        description: 'The customer (the survivor, after a merge) with its links; `merged` names customers folded into it',
        example: { customerId: 'C-42', merged: [], links: [{ source: 'shopify', externalId: '4206822293653' }] },
      },
    },
    errors: { 409: 'The link would merge two customers with conflicting profile fields (`merge_conflict`, fields named)' },
  },
});
