import { z } from 'zod';
import { CustomerId } from '../shared/customers/schema.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { CustomerRef } from '../shared/links/schema.js';
import { unlinkIdentity } from '../shared/links/service.js';
import { services } from '../shared/services.js';

const Params = z.object({ customerId: CustomerId, source: z.string(), externalId: z.string() });

/**
 * DELETE /api/customers/{customerId}/links/{source}/{externalId} — 204 (also when there was no such link);
 * 404 when the identity is linked to another customer; 409 for a `customer` link (a merge is permanent).
 * Future events of the identity land on its own customer again; history already merged stays.
 */
export const customerLinksDelete = httpHandler(async (request) => {
  const params = validateParams(Params, request.params);
  if (!params.ok) return params.failure;
  const ref = validateParams(CustomerRef, { source: params.value.source, externalId: params.value.externalId });
  if (!ref.ok) return ref.failure;
  const outcome = await unlinkIdentity(services().links, params.value.customerId, ref.value);
  switch (outcome.kind) {
    case 'unlinked':
      return { status: 204 };
    case 'not_found':
      return { kind: 'not_found', detail: `customer ${params.value.customerId} has no ${ref.value.source} link ${ref.value.externalId}` };
    case 'permanent':
      return { kind: 'conflict', detail: 'a customer merged into another cannot be split off again', reason: 'merge_permanent' };
    default: {
      const exhaustive: never = outcome;
      return exhaustive;
    }
  }
});

httpFunction('customer-links-delete', {
  route: 'customers/{customerId}/links/{source}/{externalId}',
  methods: ['DELETE'],
  authLevel: 'function',
  handler: customerLinksDelete,
  doc: {
    summary: 'Unlink an identity from a customer (a merge cannot be undone this way)',
    tags: ['customers', 'identities'],
    params: Params,
    responses: { 204: { description: 'Unlinked' } },
    errors: { 404: 'The customer has no such link', 409: 'The identity is a merged customer (`merge_permanent`)' },
  },
});
