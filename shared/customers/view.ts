import type { Customer } from './schema.js';

/** Strips Cosmos' system properties before a customer leaves the API. */
export function customerView(customer: Customer): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(customer)) {
    if (!key.startsWith('_')) view[key] = value;
  }
  return view;
}
