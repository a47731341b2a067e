/**
 * A small reader for the parts of Bicep the agreement test needs: object and array literals, strings (with
 * `${}` interpolation kept verbatim), numbers, booleans, null, and declarations (`var`, `param` defaults,
 * `resource` and `module` bodies). Anything else — function calls, property access, ternaries, for-loops —
 * is kept as an {@link Expr} holding its source text, so a test can still compare it.
 *
 * It is not a Bicep compiler: it accepts the layout this repository uses (one property per line, newline or
 * comma separated) and throws with a line number on anything it does not understand, so a layout change
 * fails the tests loudly instead of silently matching nothing.
 */

export class Expr {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type BicepValue = string | number | boolean | null | Expr | BicepValue[] | BicepObject;
export interface BicepObject {
  [key: string]: BicepValue;
}

export class BicepSyntaxError extends Error {
  constructor(message: string, source: string, pos: number) {
    const line = source.slice(0, pos).split('\n').length;
    super(`${message} (line ${line}: ${JSON.stringify(source.split('\n')[line - 1]?.trim() ?? '')})`);
    this.name = 'BicepSyntaxError';
  }
}

export function isObject(value: BicepValue | undefined): value is BicepObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Expr);
}

const identifier = /[A-Za-z_][A-Za-z0-9_]*/y;
const number = /-?\d+(?![A-Za-z0-9_.])/y;

class Reader {
  pos: number;
  constructor(
    readonly src: string,
    start: number,
  ) {
    this.pos = start;
  }

  fail(message: string): never {
    throw new BicepSyntaxError(message, this.src, this.pos);
  }

  peek(offset = 0): string {
    return this.src[this.pos + offset] ?? '';
  }

  startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  /** Spaces, tabs and comments; newlines too when `newlines` (inside brackets, between entries). */
  skipTrivia(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === ' ' || c === '\t' || (newlines && (c === '\n' || c === '\r'))) this.pos++;
      else if (this.startsWith('//')) {
        while (this.pos < this.src.length && this.peek() !== '\n') this.pos++;
      } else if (this.startsWith('/*')) {
        const end = this.src.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 2;
      } else return;
    }
  }

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.src);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  /** True when the value just read ends here: end of line, separator, closing bracket or end of input. */
  atValueEnd(): boolean {
    this.skipTrivia(false);
    const c = this.peek();
    return c === '' || c === '\n' || c === '\r' || c === ',' || c === '}' || c === ']' || c === ')';
  }

  value(): BicepValue {
    this.skipTrivia(false);
    const start = this.pos;
    const literal = this.literal();
    if (literal !== undefined && this.atValueEnd()) return literal.value;
    this.pos = start;
    return this.expression();
  }

  literal(): { value: BicepValue } | undefined {
    const c = this.peek();
    if (c === '{') return { value: this.object() };
    if (c === '[') {
      const save = this.pos;
      this.pos++;
      this.skipTrivia(true);
      const isFor = this.match(/for\b/y) !== undefined;
      this.pos = save;
      return isFor ? undefined : { value: this.array() };
    }
    if (c === "'") return { value: this.string() };
    const num = this.match(number);
    if (num !== undefined) return { value: Number(num) };
    const word = this.match(identifier);
    if (word === 'true') return { value: true };
    if (word === 'false') return { value: false };
    if (word === 'null') return { value: null };
    return undefined;
  }

  object(): BicepObject {
    if (this.peek() !== '{') this.fail('expected {');
    this.pos++;
    const result: BicepObject = {};
    for (;;) {
      this.skipSeparators();
      if (this.peek() === '}') {
        this.pos++;
        return result;
      }
      if (this.peek() === '') this.fail('unterminated object');
      const key = this.peek() === "'" ? this.string() : this.match(identifier);
      if (key === undefined) this.fail('expected a property name');
      this.skipTrivia(false);
      if (this.peek() !== ':') this.fail(`expected : after ${key}`);
      this.pos++;
      if (Object.hasOwn(result, key)) this.fail(`duplicate property ${key}`);
      result[key] = this.value();
    }
  }

  array(): BicepValue[] {
    if (this.peek() !== '[') this.fail('expected [');
    this.pos++;
    const result: BicepValue[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.peek() === ']') {
        this.pos++;
        return result;
      }
      if (this.peek() === '') this.fail('unterminated array');
      result.push(this.value());
    }
  }

  skipSeparators(): void {
    for (;;) {
      this.skipTrivia(true);
      if (this.peek() !== ',') return;
      this.pos++;
    }
  }

  /** A string literal; interpolations are kept as `${...}` source text. */
  string(): string {
    if (this.startsWith("'''")) {
      const end = this.src.indexOf("'''", this.pos + 3);
      if (end < 0) this.fail('unterminated multi-line string');
      const text = this.src.slice(this.pos + 3, end);
      this.pos = end + 3;
      return text.replace(/^\r?\n/, '');
    }
    if (this.peek() !== "'") this.fail("expected '");
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n') this.fail('unterminated string');
      this.pos++;
      if (c === "'") return out;
      if (c === '\\') {
        const e = this.peek();
        this.pos++;
        const escapes: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", $: '$' };
        if (e === 'u' && this.peek() === '{') {
          const close = this.src.indexOf('}', this.pos);
          out += String.fromCodePoint(parseInt(this.src.slice(this.pos + 1, close), 16));
          this.pos = close + 1;
        } else if (escapes[e] !== undefined) out += escapes[e];
        else this.fail(`unknown escape \\${e}`);
      } else if (c === '$' && this.peek() === '{') {
        const start = this.pos - 1;
        this.pos++;
        this.skipBalanced('}');
        out += this.src.slice(start, this.pos);
      } else out += c;
    }
  }

  /** Skips to just after `close`, stepping over nested brackets and strings. */
  skipBalanced(close: string): void {
    const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
    for (;;) {
      const c = this.peek();
      if (c === '') this.fail(`expected ${close}`);
      if (c === close) {
        this.pos++;
        return;
      }
      if (c === "'") this.string();
      else if (this.startsWith('//') || this.startsWith('/*')) this.skipTrivia(false);
      else if (pairs[c] !== undefined) {
        this.pos++;
        this.skipBalanced(pairs[c]);
      } else this.pos++;
    }
  }

  /** Any other expression, up to the end of its line (or the enclosing bracket) at bracket depth 0. */
  expression(): Expr {
    const start = this.pos;
    const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
    for (;;) {
      const c = this.peek();
      if (c === '' || c === '\n' || c === '\r' || c === ',' || c === '}' || c === ']' || c === ')') break;
      if (this.startsWith('//') || this.startsWith('/*')) break;
      if (c === "'") this.string();
      else if (pairs[c] !== undefined) {
        this.pos++;
        this.skipBalanced(pairs[c]);
      } else this.pos++;
    }
    const text = this.src.slice(start, this.pos).trim();
    if (text === '') this.fail('expected a value');
    return new Expr(text);
  }
}

/** Parses the value that starts at `pos` (leading spaces allowed). */
export function parseValueAt(source: string, pos: number): BicepValue {
  return new Reader(source, pos).value();
}

export function parseValue(source: string): BicepValue {
  const reader = new Reader(source, 0);
  reader.skipTrivia(true);
  const value = reader.value();
  reader.skipTrivia(true);
  if (reader.pos !== source.length) reader.fail('unexpected text after the value');
  return value;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The value of `var <name> = ...`; undefined when the file declares no such variable. */
export function readVar(source: string, name: string): BicepValue | undefined {
  const re = new RegExp(`^[ \\t]*var[ \\t]+${escapeRegExp(name)}[ \\t]*=`, 'gm');
  const matches = [...source.matchAll(re)];
  if (matches.length > 1) throw new Error(`var ${name} is declared ${matches.length} times`);
  const m = matches[0];
  return m ? parseValueAt(source, m.index + m[0].length) : undefined;
}

/** `param <name> <type> = <default>`: `{ declared, default }`, default undefined when there is none. */
export function readParam(source: string, name: string): { declared: boolean; default?: BicepValue } {
  const re = new RegExp(`^[ \\t]*param[ \\t]+${escapeRegExp(name)}[ \\t]+[A-Za-z_][A-Za-z0-9_]*\\??[ \\t]*(=)?`, 'gm');
  const m = re.exec(source);
  if (!m) return { declared: false };
  if (m[1] === undefined) return { declared: true };
  return { declared: true, default: parseValueAt(source, m.index + m[0].length) };
}

export interface Declaration {
  keyword: 'resource' | 'module';
  symbol: string;
  /** `Microsoft.X/y` for resources, the module path or registry reference for modules. */
  type: string;
  apiVersion?: string;
  existing: boolean;
  /** the condition of `= if (...)`, when present */
  condition?: string;
  /** `{ item, index?, source }` for `= [for item in source: {...}]` */
  loop?: { item: string; index?: string; source: string };
  body: BicepObject;
}

/** Every `resource` and `module` declaration in a file, in order, with its body parsed. */
export function readDeclarations(source: string): Declaration[] {
  const re = /^[ \t]*(resource|module)[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]+'([^']+)'[ \t]*(existing[ \t]*)?=[ \t]*/gm;
  const result: Declaration[] = [];
  for (const m of source.matchAll(re)) {
    const keyword = m[1] as 'resource' | 'module';
    const [type, apiVersion] = keyword === 'resource' ? (m[3]!.split('@') as [string, string]) : [m[3]!, undefined];
    const reader: Reader = new Reader(source, m.index + m[0].length);
    let condition: string | undefined;
    if (reader.match(/if\b/y) !== undefined) {
      reader.skipTrivia(false);
      if (reader.peek() !== '(') reader.fail('expected ( after if');
      const start = reader.pos + 1;
      reader.pos++;
      reader.skipBalanced(')');
      condition = source.slice(start, reader.pos - 1).trim();
      reader.skipTrivia(false);
    }
    let loop: Declaration['loop'];
    if (reader.peek() === '[') {
      reader.pos++;
      reader.skipTrivia(true);
      const forHead = /for\s+(?:\(\s*([A-Za-z_]\w*)\s*,\s*([A-Za-z_]\w*)\s*\)|([A-Za-z_]\w*))\s+in\s+/y;
      forHead.lastIndex = reader.pos;
      const h = forHead.exec(source);
      if (!h) reader.fail('expected [for ... in ...: {');
      reader.pos += h[0].length;
      const sourceStart = reader.pos;
      // The loop source runs up to the ':' before the body's '{'.
      const colon = source.indexOf(':', sourceStart);
      if (colon < 0) reader.fail('expected : in for expression');
      loop = { item: (h[1] ?? h[3])!, index: h[2], source: source.slice(sourceStart, colon).trim() };
      reader.pos = colon + 1;
      reader.skipTrivia(true);
    }
    const body = reader.object();
    result.push({ keyword, symbol: m[2]!, type, apiVersion, existing: m[4] !== undefined, condition, loop, body });
  }
  return result;
}

/** Every `var` declaration in a file, with its value parsed (throws on a value the reader cannot read). */
export function readVars(source: string): Map<string, BicepValue> {
  const result = new Map<string, BicepValue>();
  for (const m of source.matchAll(/^[ \t]*var[ \t]+([A-Za-z_][A-Za-z0-9_]*)[ \t]*=/gm)) {
    result.set(m[1]!, parseValueAt(source, m.index + m[0].length));
  }
  return result;
}

/** The source with `//` and `/* *\/` comments blanked out, leaving strings (which may contain `//`) intact. */
export function stripComments(source: string): string {
  let out = '';
  let i = 0;
  while (i < source.length) {
    if (source[i] === "'") {
      // The reader's own string scanner, so quotes inside `${...}` interpolations are handled too.
      const reader = new Reader(source, i);
      reader.string();
      out += source.slice(i, reader.pos);
      i = reader.pos;
    } else if (source.startsWith('//', i)) {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? source.length : end + 2;
      out += ' ';
    } else out += source[i++];
  }
  return out;
}

/** Follows a path of property names through nested objects; undefined when any step is missing. */
export function get(value: BicepValue | undefined, ...path: string[]): BicepValue | undefined {
  let current = value;
  for (const key of path) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}
