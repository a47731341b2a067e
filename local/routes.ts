/**
 * ASP.NET-style route templates as the Functions host understands them: `customers/{customerId}`,
 * `{id:int}`, optional `{id?}`, catch-all `{*path}`. Literal segments win over parameters, as in ASP.NET.
 */
type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string; constraint?: string; optional: boolean }
  | { kind: 'catchAll'; name: string };

export interface CompiledRoute<T> {
  template: string;
  segments: Segment[];
  value: T;
}

const constraints: Record<string, (value: string) => boolean> = {
  int: (v) => /^-?\d+$/.test(v),
  long: (v) => /^-?\d+$/.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
  bool: (v) => /^(true|false)$/i.test(v),
  guid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
};

export function compileRoute<T>(template: string, value: T): CompiledRoute<T> {
  const segments = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .filter((s) => s.length > 0)
    .map((raw): Segment => {
      const match = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([a-z]+))?(\?)?\}$/.exec(raw);
      if (!match) {
        if (raw.includes('{')) throw new Error(`unsupported route segment "${raw}" in "${template}"`);
        return { kind: 'literal', value: raw.toLowerCase() };
      }
      const [, star, name, constraint, optional] = match;
      if (star) return { kind: 'catchAll', name: name! };
      if (constraint && !constraints[constraint]) throw new Error(`unknown route constraint "${constraint}"`);
      return { kind: 'param', name: name!, constraint, optional: optional === '?' };
    });
  return { template, segments, value };
}

function specificity(route: CompiledRoute<unknown>): number[] {
  return route.segments.map((s) => (s.kind === 'literal' ? 3 : s.kind === 'param' ? (s.constraint ? 2 : 1) : 0));
}

export function sortRoutes<T>(routes: CompiledRoute<T>[]): CompiledRoute<T>[] {
  return [...routes].sort((a, b) => {
    const sa = specificity(a);
    const sb = specificity(b);
    for (let i = 0; i < Math.max(sa.length, sb.length); i++) {
      const diff = (sb[i] ?? -1) - (sa[i] ?? -1);
      if (diff !== 0) return diff;
    }
    return 0;
  });
}

export function matchRoute<T>(route: CompiledRoute<T>, path: string): Record<string, string> | undefined {
  const parts = path.replace(/^\/+|\/+$/g, '').split('/').filter((p) => p.length > 0);
  const params: Record<string, string> = {};
  let i = 0;
  for (const segment of route.segments) {
    if (segment.kind === 'catchAll') {
      params[segment.name] = parts.slice(i).map(safeDecode).join('/');
      return params;
    }
    const part = parts[i];
    if (part === undefined) {
      if (segment.kind === 'param' && segment.optional) continue;
      return undefined;
    }
    const decoded = safeDecode(part);
    if (segment.kind === 'literal') {
      if (decoded.toLowerCase() !== segment.value) return undefined;
    } else {
      if (segment.constraint && !constraints[segment.constraint]!(decoded)) return undefined;
      params[segment.name] = decoded;
    }
    i++;
  }
  return i === parts.length ? params : undefined;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
