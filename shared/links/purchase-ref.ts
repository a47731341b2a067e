import { fieldErrors, type FieldError } from '../http/problem.js';
import { aliasRef, CustomerRef, fallbackCustomerId } from './schema.js';

/**
 * `POST /api/purchases` names its customer by `customerId` or by `customerRef: {source, externalId}`. The
 * reference is taken off the body and replaced by its fallback customer id, so the rest is validated (and
 * hashed for idempotency) exactly like a purchase with a customerId — the same order sent again after the
 * identity was linked elsewhere is still the same order.
 */
export function splitCustomerRef(raw: unknown, pointer: string): { candidate: unknown; ref?: CustomerRef; errors: FieldError[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !('customerRef' in raw)) return { candidate: raw, errors: [] };
  const { customerRef, ...rest } = raw as Record<string, unknown>;
  const prefix = [...(pointer ? pointer.split('/').slice(1) : []), 'customerRef'];
  const errors: FieldError[] = [];
  if ('customerId' in rest) errors.push({ pointer: `${pointer}/customerRef`, message: 'give customerId or customerRef, not both' });
  const parsed = CustomerRef.safeParse(customerRef);
  if (!parsed.success) errors.push(...fieldErrors(parsed.error, prefix));
  if (!parsed.success || errors.length > 0) return { candidate: { ...rest, customerId: rest['customerId'] ?? 'unresolved' }, errors };
  return { candidate: { ...rest, customerId: fallbackCustomerId(parsed.data) }, ref: parsed.data, errors };
}

/** The identity a parsed purchase resolves through: its reference, else its customer id (an alias if merged). */
export function purchaseIdentity(customerId: string, ref: CustomerRef | undefined): CustomerRef {
  return ref ?? aliasRef(customerId);
}
