import { describe, expect, it } from 'vitest';
import { BicepSyntaxError, Expr, get, parseValue, readDeclarations, readParam, readVar, stripComments } from './bicep-reader.js';

describe('Bicep reader', () => {
  it('reads nested objects and arrays separated by newlines or commas, skipping comments', () => {
    const value = parseValue(`{
      // a comment
      name: 'purchases' /* inline */
      paths: ['/customerId', '/b']
      nested: { a: 1, b: -2 }
      flags: [
        true
        false
        null
      ]
    }`);
    expect(value).toEqual({
      name: 'purchases',
      paths: ['/customerId', '/b'],
      nested: { a: 1, b: -2 },
      flags: [true, false, null],
    });
  });

  it('keeps interpolations and escapes in strings, and quoted keys', () => {
    const value = parseValue(`{
      '\${identityId}': {}
      ref: '@Microsoft.KeyVault(VaultName=\${vault};SecretName=\${names['x']})'
      quote: 'it\\'s \\\${not} interpolated'
    }`);
    expect(value).toEqual({
      '${identityId}': {},
      ref: "@Microsoft.KeyVault(VaultName=${vault};SecretName=${names['x']})",
      quote: "it's ${not} interpolated",
    });
  });

  it('keeps anything that is not a literal as an expression with its source text', () => {
    const value = parseValue(`{
      endpoint: storage.properties.primaryEndpoints.blob
      options: mode == 'autoscale' ? { autoscaleSettings: { maxThroughput: max } } : {}
      paths: concat([{ path: '/x' }], map(c.?excludedPaths ?? [], p => { path: p }))
      ttl: c.?defaultTtl
      sum: 1 + 2
    }`);
    expect(get(value, 'endpoint')).toEqual(new Expr('storage.properties.primaryEndpoints.blob'));
    expect(get(value, 'options')).toEqual(
      new Expr("mode == 'autoscale' ? { autoscaleSettings: { maxThroughput: max } } : {}"),
    );
    expect(get(value, 'paths')).toEqual(new Expr("concat([{ path: '/x' }], map(c.?excludedPaths ?? [], p => { path: p }))"));
    expect(get(value, 'ttl')).toEqual(new Expr('c.?defaultTtl'));
    expect(get(value, 'sum')).toEqual(new Expr('1 + 2'));
  });

  it('rejects what it does not understand, naming the line', () => {
    expect(() => parseValue(`{\n  a: 1\n  b 2\n}`)).toThrow(BicepSyntaxError);
    expect(() => parseValue(`{\n  a: 1\n  b 2\n}`)).toThrow(/line 3/);
    expect(() => parseValue(`{\n  a: 1\n  a: 2\n}`)).toThrow(/duplicate property a/);
    expect(() => parseValue(`{ a: 'open }`)).toThrow(/unterminated/);
  });

  it('finds var values and param defaults', () => {
    const source = `
param location string
@allowed(['serverless', 'autoscale'])
param mode string = 'serverless'
param size int = 2048
var list = [
  { name: 'a' }
]
`;
    expect(readVar(source, 'list')).toEqual([{ name: 'a' }]);
    expect(readVar(source, 'missing')).toBeUndefined();
    expect(readParam(source, 'mode')).toEqual({ declared: true, default: 'serverless' });
    expect(readParam(source, 'size')).toEqual({ declared: true, default: 2048 });
    expect(readParam(source, 'location')).toEqual({ declared: true });
    expect(readParam(source, 'nope')).toEqual({ declared: false });
  });

  it('reads resource and module declarations: existing, conditional and looped', () => {
    const source = `
resource st 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageName
}
resource extra 'Microsoft.X/y@2024-01-01' = if (!empty(principalId)) {
  name: 'x'
}
resource qs 'Microsoft.ServiceBus/namespaces/queues@2021-11-01' = [
  for q in serviceBusQueues: {
    name: q.name
    properties: { maxDeliveryCount: q.maxDeliveryCount }
  }
]
module m 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'plan'
  params: { sku: { name: 'FC1' } }
}
`;
    const [st, extra, qs, m] = readDeclarations(source);
    expect(st).toMatchObject({ keyword: 'resource', symbol: 'st', type: 'Microsoft.Storage/storageAccounts', existing: true });
    expect(extra).toMatchObject({ condition: '!empty(principalId)', existing: false, body: { name: 'x' } });
    expect(qs?.loop).toEqual({ item: 'q', index: undefined, source: 'serviceBusQueues' });
    expect(get(qs?.body, 'properties', 'maxDeliveryCount')).toEqual(new Expr('q.maxDeliveryCount'));
    expect(m).toMatchObject({ keyword: 'module', type: 'br/public:avm/res/web/serverfarm:0.1.1' });
    expect(get(m?.body, 'params', 'sku', 'name')).toBe('FC1');
  });
});

describe('stripComments', () => {
  it('removes comments but keeps strings that contain // or /*, including nested interpolations', () => {
    const source = [
      "var a = 'sb://host/' // trailing comment listKeys(",
      '/* block listKeys( */ var b = 1',
      "var c = '${names['x']}//kept'",
    ].join('\n');
    expect(stripComments(source)).toBe(["var a = 'sb://host/' ", '  var b = 1', "var c = '${names['x']}//kept'"].join('\n'));
  });
});
