/**
 * The run query language, parsed once here for the Runs page, the CLI and the bench.
 *
 *   method = "trades" and metrics.test/pgd_accuracy > 0.4
 *   tag:baseline or star
 *   params.methodParams.eps in (0.1, 0.3)
 *   name ~ "cnn" and status != failed and created > 2026-11-01
 *   not (archived or kind = eval)
 *
 * Fields: the run columns (`id`, `name`, `kind`, `status`, `created`, `started`, `ended`,
 * `backend`, `device`, `note`, `model`, `group`), `metrics.<key>` (latest value of a logged
 * metric), `params.<key>` (a flattened spec field such as `optimizer.lr`); any other bare name is a
 * param (`method`, `arch`, `epochs`). Flags: `star`, `archived`. Tags: `tag:x`, `tag = x`, `tag ~ x`.
 * Operators: `=` `!=` `<` `<=` `>` `>=` `~` (contains, any case) `!~` `in (…)` `not in (…)`;
 * `and` (also implied between two terms), `or`, `not`, parentheses.
 *
 * Hand-written recursive descent (about 200 lines) rather than a parser generator: the grammar is
 * tiny, and the error sentence must name the character position and what was expected, which is
 * simplest to control here.
 */

export type Literal = { type: 'number'; value: number; text: string } | { type: 'string'; value: string };

export type FieldRef =
  | { scope: 'column'; name: RunColumn }
  | { scope: 'param'; key: string }
  | { scope: 'metric'; key: string };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=' | '~' | '!~';

export type QueryNode =
  | { type: 'and'; items: QueryNode[] }
  | { type: 'or'; items: QueryNode[] }
  | { type: 'not'; item: QueryNode }
  | { type: 'flag'; flag: 'star' | 'archived' }
  | { type: 'tag'; op: '=' | '!=' | '~' | '!~'; value: string }
  | { type: 'compare'; field: FieldRef; op: CompareOp; value: Literal }
  | { type: 'in'; field: FieldRef; negated: boolean; values: Literal[] }
  | { type: 'true' };

/** Run columns a query may name, with the SQL column each one reads. */
export const RUN_COLUMNS = {
  id: 'id',
  name: 'name',
  kind: 'kind',
  status: 'status',
  created: 'created_at',
  started: 'started_at',
  ended: 'ended_at',
  backend: 'backend',
  device: 'device',
  note: 'note',
  model: 'model_id',
  group: 'group_id',
} as const;
export type RunColumn = keyof typeof RUN_COLUMNS;

export interface QueryError {
  /** 0-based character offset in the query. */
  position: number;
  /** One sentence: where, what was found, what was expected. */
  message: string;
}

export type ParseResult = { ok: true; ast: QueryNode } | { ok: false; error: QueryError };

type Tok =
  | { k: 'word'; v: string; pos: number }
  | { k: 'string'; v: string; pos: number }
  | { k: 'number'; v: number; text: string; pos: number }
  | { k: 'date'; v: string; pos: number }
  | { k: 'op'; v: string; pos: number }
  | { k: 'eof'; pos: number };

class QuerySyntaxError extends Error {
  constructor(
    readonly position: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(expected);
  }
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?/;
const NUM_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const WORD_RE = /^[A-Za-z_][A-Za-z0-9_./\-]*/;
const OPS = ['!=', '<=', '>=', '==', '!~', '=', '<', '>', '~', '(', ')', ',', ':'];

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = src.slice(i);
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          s += src[j + 1];
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new QuerySyntaxError(i, `a closing ${c} for the text started here`, 'the end of the query');
      out.push({ k: 'string', v: s, pos: i });
      i = j + 1;
      continue;
    }
    const date = DATE_RE.exec(rest);
    if (date) {
      out.push({ k: 'date', v: date[0], pos: i });
      i += date[0].length;
      continue;
    }
    const num = NUM_RE.exec(rest);
    if (num && !(c === '-' && out.length && out[out.length - 1].k === 'word')) {
      out.push({ k: 'number', v: Number(num[0]), text: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const word = WORD_RE.exec(rest);
    if (word) {
      out.push({ k: 'word', v: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o));
    if (op) {
      out.push({ k: 'op', v: op === '==' ? '=' : op, pos: i });
      i += op.length;
      continue;
    }
    throw new QuerySyntaxError(i, 'a field, a value, an operator or a parenthesis', `"${c}"`);
  }
  out.push({ k: 'eof', pos: src.length });
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in']);

function describe(t: Tok): string {
  switch (t.k) {
    case 'eof':
      return 'the end of the query';
    case 'string':
      return `"${t.v}"`;
    case 'number':
      return t.text;
    default:
      return `"${t.v}"`;
  }
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.i];
  }
  private next(): Tok {
    return this.toks[this.i++];
  }
  private isWord(t: Tok, w: string): boolean {
    return t.k === 'word' && t.v.toLowerCase() === w;
  }
  private isOp(t: Tok, o: string): boolean {
    return t.k === 'op' && t.v === o;
  }
  private fail(expected: string, t: Tok = this.peek()): never {
    throw new QuerySyntaxError(t.pos, expected, describe(t));
  }

  parseAll(): QueryNode {
    if (this.peek().k === 'eof') return { type: 'true' };
    const node = this.parseOr();
    if (this.peek().k !== 'eof') this.fail(this.isOp(this.peek(), ')') ? 'no ")" here (it closes nothing)' : '"and", "or" or the end of the query');
    return node;
  }

  private parseOr(): QueryNode {
    const items = [this.parseAnd()];
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      items.push(this.parseAnd());
    }
    return items.length === 1 ? items[0] : { type: 'or', items };
  }

  private startsTerm(t: Tok): boolean {
    return (t.k === 'word' && !['and', 'or', 'in'].includes(t.v.toLowerCase())) || this.isOp(t, '(');
  }

  private parseAnd(): QueryNode {
    const items = [this.parseNot()];
    for (;;) {
      const t = this.peek();
      if (this.isWord(t, 'and')) {
        this.next();
        items.push(this.parseNot());
      } else if (this.startsTerm(t)) {
        items.push(this.parseNot());
      } else break;
    }
    return items.length === 1 ? items[0] : { type: 'and', items };
  }

  private parseNot(): QueryNode {
    if (this.isWord(this.peek(), 'not')) {
      this.next();
      return { type: 'not', item: this.parseNot() };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): QueryNode {
    const t = this.peek();
    if (this.isOp(t, '(')) {
      this.next();
      const inner = this.parseOr();
      if (!this.isOp(this.peek(), ')')) this.fail('")" to close the "(" at position ' + (t.pos + 1));
      this.next();
      return inner;
    }
    if (t.k !== 'word' || KEYWORDS.has(t.v.toLowerCase())) this.fail('a field name (such as name, status, method, metrics.<key>, tag:<tag>, star), "not" or "("');
    this.next();
    const lower = t.v.toLowerCase();
    if ((lower === 'star' || lower === 'starred' || lower === 'archived') && !this.isComparison(this.peek())) {
      return { type: 'flag', flag: lower === 'archived' ? 'archived' : 'star' };
    }
    if (lower === 'tag' || lower === 'tags') {
      const op = this.peek();
      if (this.isOp(op, ':') || this.isOp(op, '=') || this.isOp(op, '!=') || this.isOp(op, '~') || this.isOp(op, '!~')) {
        this.next();
        const v = this.parseValue();
        const o = (op as Tok & { k: 'op' }).v;
        return { type: 'tag', op: (o === ':' ? '=' : o) as '=' | '!=' | '~' | '!~', value: literalText(v) };
      }
      this.fail('":", "=", "!=", "~" or "!~" after "tag"');
    }
    const field = this.parseField(t as Tok & { k: 'word' });
    return this.parseCondition(field);
  }

  private isComparison(t: Tok): boolean {
    return (t.k === 'op' && ['=', '!=', '<', '<=', '>', '>=', '~', '!~', ':'].includes(t.v)) || this.isWord(t, 'in');
  }

  private parseField(t: { v: string; pos: number }): FieldRef {
    const name = t.v;
    const lower = name.toLowerCase();
    for (const [prefix, scope] of [
      ['metrics.', 'metric'],
      ['metric.', 'metric'],
      ['params.', 'param'],
      ['param.', 'param'],
    ] as const) {
      if (lower.startsWith(prefix)) {
        const key = name.slice(prefix.length);
        if (!key) throw new QuerySyntaxError(t.pos + name.length, `a ${scope} name after "${prefix}"`, 'nothing');
        return { scope, key };
      }
    }
    if (lower === 'metrics' || lower === 'params') {
      throw new QuerySyntaxError(t.pos + name.length, `".<key>" after "${name}" (for example ${lower === 'metrics' ? 'metrics.test/accuracy' : 'params.optimizer.lr'})`, describe(this.peek()));
    }
    if (Object.prototype.hasOwnProperty.call(RUN_COLUMNS, lower)) return { scope: 'column', name: lower as RunColumn };
    return { scope: 'param', key: name };
  }

  private parseCondition(field: FieldRef): QueryNode {
    const t = this.peek();
    let negated = false;
    if (this.isWord(t, 'not') && this.isWord(this.toks[this.i + 1], 'in')) {
      this.next();
      negated = true;
    }
    if (this.isWord(this.peek(), 'in')) {
      this.next();
      if (!this.isOp(this.peek(), '(')) this.fail('"(" to start the list after "in"');
      this.next();
      const values = [this.parseValue(field)];
      while (this.isOp(this.peek(), ',')) {
        this.next();
        values.push(this.parseValue(field));
      }
      if (!this.isOp(this.peek(), ')')) this.fail('"," or ")" in the list after "in"');
      this.next();
      return { type: 'in', field, negated, values };
    }
    const op = this.peek();
    if (op.k !== 'op' || !['=', '!=', '<', '<=', '>', '>=', '~', '!~', ':'].includes(op.v)) {
      this.fail(`an operator (=, !=, <, <=, >, >=, ~, !~, in) after ${fieldLabel(field)}`);
    }
    this.next();
    const cmp = (op.v === ':' ? '=' : op.v) as CompareOp;
    const value = this.parseValue(field, cmp);
    return { type: 'compare', field, op: cmp, value };
  }

  private parseValue(field?: FieldRef, op?: CompareOp): Literal {
    const t = this.peek();
    let lit: Literal;
    if (t.k === 'number') lit = { type: 'number', value: t.v, text: t.text };
    else if (t.k === 'string' || t.k === 'date') lit = { type: 'string', value: t.v };
    else if (t.k === 'word' && !KEYWORDS.has(t.v.toLowerCase())) lit = { type: 'string', value: t.v };
    else this.fail(field ? `a value after ${fieldLabel(field)}${op ? ` ${op}` : ''} (a number, a word or "quoted text")` : 'a value (a word or "quoted text")');
    if (field?.scope === 'metric' && lit.type !== 'number') {
      throw new QuerySyntaxError(t.pos, `a number: ${fieldLabel(field)} is a metric`, describe(t));
    }
    if (field?.scope === 'metric' && (op === '~' || op === '!~')) {
      throw new QuerySyntaxError(t.pos - 1, `a numeric comparison (=, !=, <, <=, >, >=, in) for metric ${field.key}`, `"${op}"`);
    }
    this.next();
    return lit;
  }
}

export function fieldLabel(f: FieldRef): string {
  return f.scope === 'column' ? f.name : f.scope === 'metric' ? `metrics.${f.key}` : `params.${f.key}`;
}

function literalText(l: Literal): string {
  return l.type === 'number' ? l.text : l.value;
}

/** Parses a query. Never throws: a bad query comes back as one sentence with its position. */
export function parseQuery(src: string): ParseResult {
  try {
    const ast = new Parser(tokenize(src)).parseAll();
    return { ok: true, ast };
  } catch (err) {
    if (err instanceof QuerySyntaxError) {
      return {
        ok: false,
        error: {
          position: err.position,
          message: `Query error at position ${err.position + 1}: expected ${err.expected} but found ${err.found}.`,
        },
      };
    }
    return { ok: false, error: { position: 0, message: `Query error at position 1: ${(err as Error).message}.` } };
  }
}
