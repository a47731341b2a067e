import { describe, expect, it } from 'vitest';
import { compileRoute, matchRoute, sortRoutes } from '../../../local/routes.js';

describe('route templates', () => {
  it('matches parameters, decodes them, and honours constraints and optional segments', () => {
    expect(matchRoute(compileRoute('customers/{customerId}', 1), 'customers/C%2042')).toEqual({ customerId: 'C 42' });
    expect(matchRoute(compileRoute('customers/{customerId}', 1), 'customers/C-1/purchases')).toBeUndefined();
    expect(matchRoute(compileRoute('items/{id:int}', 1), 'items/12')).toEqual({ id: '12' });
    expect(matchRoute(compileRoute('items/{id:int}', 1), 'items/abc')).toBeUndefined();
    expect(matchRoute(compileRoute('runs/{id?}', 1), 'runs')).toEqual({});
    expect(matchRoute(compileRoute('files/{*rest}', 1), 'files/a/b/c')).toEqual({ rest: 'a/b/c' });
    expect(matchRoute(compileRoute('Purchases', 1), 'purchases')).toEqual({});
  });

  it('prefers literal segments over parameters', () => {
    const routes = sortRoutes([compileRoute('segments/{runId}', 'param'), compileRoute('segments/runs', 'literal')]);
    const hit = routes.find((r) => matchRoute(r, 'segments/runs'));
    expect(hit?.value).toBe('literal');
  });

  it('refuses templates it cannot honour', () => {
    expect(() => compileRoute('a/{id:regex}', 1)).toThrow(/constraint/);
    expect(() => compileRoute('a/x{id}', 1)).toThrow(/unsupported/);
  });
});
