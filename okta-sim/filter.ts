/**
 * SCIM-style filter expressions as Okta accepts them in `filter` and `search`:
 * `eq ne gt ge lt le sw ew co pr`, `and`, `or`, `not`, parentheses. `and` binds tighter than `or`;
 * operators and keywords are case-insensitive, attribute names are not.
 */
export type FilterValue = string | number | boolean | null;
export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'sw' | 'ew' | 'co';

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'pr'; attr: string }
  | { kind: 'cmp'; attr: string; op: CompareOp; value: FilterValue };

export class FilterSyntaxError extends Error {}

type Token = { t: 'word'; v: string } | { t: 'str'; v: string } | { t: 'lp' } | { t: 'rp' };

const COMPARE_OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'sw', 'ew', 'co']);

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(') {
      out.push({ t: 'lp' });
      i++;
    } else if (ch === ')') {
      out.push({ t: 'rp' });
      i++;
    } else if (ch === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new FilterSyntaxError('unterminated string');
        const c = src[i] as string;
        if (c === '\\') {
          const n = src[i + 1];
          if (n === undefined) throw new FilterSyntaxError('dangling escape');
          v += n;
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          v += c;
          i++;
        }
      }
      out.push({ t: 'str', v });
    } else {
      const m = /^[A-Za-z0-9_.:$+-]+/.exec(src.slice(i));
      if (!m) throw new FilterSyntaxError(`unexpected character ${ch}`);
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    const node = this.or();
    if (this.pos !== this.tokens.length) throw new FilterSyntaxError('unexpected trailing input');
    return node;
  }

  private peekWord(): string | undefined {
    const t = this.tokens[this.pos];
    return t?.t === 'word' ? t.v.toLowerCase() : undefined;
  }

  private or(): FilterNode {
    let left = this.and();
    while (this.peekWord() === 'or') {
      this.pos++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): FilterNode {
    let left = this.unary();
    while (this.peekWord() === 'and') {
      this.pos++;
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): FilterNode {
    const t = this.tokens[this.pos];
    if (!t) throw new FilterSyntaxError('unexpected end of filter');
    if (t.t === 'word' && t.v.toLowerCase() === 'not') {
      this.pos++;
      return { kind: 'not', expr: this.unary() };
    }
    if (t.t === 'lp') {
      this.pos++;
      const inner = this.or();
      if (this.tokens[this.pos]?.t !== 'rp') throw new FilterSyntaxError('missing )');
      this.pos++;
      return inner;
    }
    if (t.t !== 'word' || !/^[A-Za-z_$][\w.$]*$/.test(t.v) || /^(and|or)$/i.test(t.v)) throw new FilterSyntaxError('expected attribute');
    this.pos++;
    const attr = t.v;
    const op = this.peekWord();
    if (op === 'pr') {
      this.pos++;
      return { kind: 'pr', attr };
    }
    if (!op || !COMPARE_OPS.has(op)) throw new FilterSyntaxError(`expected operator after ${attr}`);
    this.pos++;
    return { kind: 'cmp', attr, op: op as CompareOp, value: this.value() };
  }

  private value(): FilterValue {
    const t = this.tokens[this.pos++];
    if (!t) throw new FilterSyntaxError('expected value');
    if (t.t === 'str') return t.v;
    if (t.t !== 'word') throw new FilterSyntaxError('expected value');
    const w = t.v.toLowerCase();
    if (w === 'true') return true;
    if (w === 'false') return false;
    if (w === 'null') return null;
    if (/^-?\d+(\.\d+)?$/.test(t.v)) return Number(t.v);
    throw new FilterSyntaxError(`bad value ${t.v}`);
  }
}

export function parseFilter(src: string): FilterNode {
  if (!src.trim()) throw new FilterSyntaxError('empty filter');
  return new Parser(tokenize(src)).parse();
}

export function filterAttributes(node: FilterNode): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...filterAttributes(node.left), ...filterAttributes(node.right)];
    case 'not':
      return filterAttributes(node.expr);
    default:
      return [node.attr];
  }
}

/** Values at a dotted path; arrays fan out (so `target.id eq "x"` matches any target). */
function valuesAt(obj: unknown, path: string[]): unknown[] {
  let current: unknown[] = [obj];
  for (const key of path) {
    const next: unknown[] = [];
    for (const c of current) {
      if (c === null || c === undefined) continue;
      if (Array.isArray(c)) {
        for (const el of c) {
          if (el && typeof el === 'object') next.push((el as Record<string, unknown>)[key]);
        }
      } else if (typeof c === 'object') {
        next.push((c as Record<string, unknown>)[key]);
      }
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v]));
}

function compare(actual: unknown, op: CompareOp, expected: FilterValue): boolean {
  if (expected === null) {
    const isNull = actual === null || actual === undefined;
    return op === 'eq' ? isNull : op === 'ne' ? !isNull : false;
  }
  if (actual === null || actual === undefined) return op === 'ne';
  if (typeof expected === 'string') {
    // SCIM compares strings case-insensitively unless the attribute is caseExact; Okta behaves so for logins/emails.
    const a = String(actual).toLowerCase();
    const e = expected.toLowerCase();
    switch (op) {
      case 'eq': return a === e;
      case 'ne': return a !== e;
      case 'sw': return a.startsWith(e);
      case 'ew': return a.endsWith(e);
      case 'co': return a.includes(e);
      case 'gt': return a > e;
      case 'ge': return a >= e;
      case 'lt': return a < e;
      case 'le': return a <= e;
    }
  }
  if (op === 'sw' || op === 'ew' || op === 'co') return false;
  const a = typeof expected === 'number' ? Number(actual) : actual;
  switch (op) {
    case 'eq': return a === expected;
    case 'ne': return a !== expected;
    case 'gt': return (a as number) > (expected as number);
    case 'ge': return (a as number) >= (expected as number);
    case 'lt': return (a as number) < (expected as number);
    case 'le': return (a as number) <= (expected as number);
  }
}

export function matchesFilter(node: FilterNode, obj: unknown): boolean {
  switch (node.kind) {
    case 'and':
      return matchesFilter(node.left, obj) && matchesFilter(node.right, obj);
    case 'or':
      return matchesFilter(node.left, obj) || matchesFilter(node.right, obj);
    case 'not':
      return !matchesFilter(node.expr, obj);
    case 'pr':
      return valuesAt(obj, node.attr.split('.')).some((v) => v !== null && v !== undefined && v !== '');
    case 'cmp': {
      const values = valuesAt(obj, node.attr.split('.'));
      if (node.op === 'ne') return values.length === 0 ? true : values.every((v) => compare(v, 'ne', node.value));
      return values.some((v) => compare(v, node.op, node.value));
    }
  }
}
