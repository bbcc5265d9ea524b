/**
 * Two evaluators of one query AST with the same meaning:
 *  - `compileToSql` turns it into a WHERE clause over `runs` (the store runs it; 10,000 runs stay fast);
 *  - `matchRun` evaluates it on one run held in memory, without SQL: the reference the property
 *    test compares the SQL against, and what a caller with runs in hand can use.
 *
 * Meaning of a comparison (the same in both):
 *  - a missing value (no such param or metric, a NULL column) makes `=`, `<`, `<=`, `>`, `>=`, `~`
 *    and `in` false, and their negations `!=`, `!~`, `not in` true;
 *  - a number literal compares numerically with a metric, or with a text value that is a number
 *    ("0.10" = 0.1); a text value that is not a number equals no number (but `~` looks for the digits);
 *  - a text literal: `=` ignores case, `<`/`>` compare the text by code point (ISO dates sort right),
 *    `~` is "contains", ignoring case.
 * The primitive coercions below (`toNum`, `lc`, `cmpText`, `contains`) are registered as SQLite
 * functions so both sides read text the same way; everything else (joins, missing values, logic) is
 * written twice, independently.
 */
import type { CompareOp, FieldRef, Literal, QueryNode, RunColumn } from './query';
import { RUN_COLUMNS } from './query';

export function toNum(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (!s) return null;
  const n = Number(s);
  return Number.isFinite(n) ? n : null;
}

export function lc(v: unknown): string | null {
  return typeof v === 'string' ? v.toLowerCase() : v == null ? null : String(v).toLowerCase();
}

/** Code-point order (not UTF-16 units), so it agrees with SQLite's BINARY collation on UTF-8. */
export function cmpText(a: string, b: string): number {
  const A = Array.from(a);
  const B = Array.from(b);
  const n = Math.min(A.length, B.length);
  for (let i = 0; i < n; i++) {
    const d = A[i].codePointAt(0)! - B[i].codePointAt(0)!;
    if (d) return d < 0 ? -1 : 1;
  }
  return A.length === B.length ? 0 : A.length < B.length ? -1 : 1;
}

export function contains(hay: unknown, needle: string): boolean {
  const h = lc(hay);
  return h !== null && h.includes(needle.toLowerCase());
}

/** The SQLite functions the compiled SQL calls; the store registers them on its connection. */
export const SQL_FUNCTIONS: Record<string, (...a: unknown[]) => unknown> = {
  rl_num: (v) => toNum(v),
  rl_lc: (v) => lc(v),
  rl_cmp: (a, b) => (a == null || b == null ? null : cmpText(String(a), String(b))),
  rl_contains: (h, n) => (h == null ? 0 : contains(String(h), String(n)) ? 1 : 0),
};

// ------------------------------------------------------------------------------- reference
export interface RunRow {
  columns: Record<RunColumn, string | null>;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: string[];
  starred: boolean;
  archived: boolean;
}

function atomPositive(v: string | number | null | undefined, op: CompareOp, lit: Literal): boolean {
  if (v === null || v === undefined) return false;
  if (op === '~') return contains(String(v), lit.type === 'number' ? lit.text : lit.value);
  if (lit.type === 'number') {
    const n = typeof v === 'number' ? v : toNum(v);
    if (n === null) return false;
    switch (op) {
      case '=':
        return n === lit.value;
      case '<':
        return n < lit.value;
      case '<=':
        return n <= lit.value;
      case '>':
        return n > lit.value;
      case '>=':
        return n >= lit.value;
      default:
        return false;
    }
  }
  const s = String(v);
  switch (op) {
    case '=':
      return s.toLowerCase() === lit.value.toLowerCase();
    case '<':
      return cmpText(s, lit.value) < 0;
    case '<=':
      return cmpText(s, lit.value) <= 0;
    case '>':
      return cmpText(s, lit.value) > 0;
    case '>=':
      return cmpText(s, lit.value) >= 0;
    default:
      return false;
  }
}

function fieldValue(run: RunRow, f: FieldRef): string | number | null | undefined {
  if (f.scope === 'column') return run.columns[f.name];
  if (f.scope === 'param') return run.params[f.key];
  return run.metrics[f.key];
}

function positiveOp(op: CompareOp): CompareOp {
  return op === '!=' ? '=' : op === '!~' ? '~' : op;
}

export function matchRun(node: QueryNode, run: RunRow): boolean {
  switch (node.type) {
    case 'true':
      return true;
    case 'and':
      return node.items.every((n) => matchRun(n, run));
    case 'or':
      return node.items.some((n) => matchRun(n, run));
    case 'not':
      return !matchRun(node.item, run);
    case 'flag':
      return node.flag === 'star' ? run.starred : run.archived;
    case 'tag': {
      const neg = node.op === '!=' || node.op === '!~';
      const hit = run.tags.some((t) =>
        node.op === '=' || node.op === '!=' ? t.toLowerCase() === node.value.toLowerCase() : contains(t, node.value),
      );
      return neg ? !hit : hit;
    }
    case 'compare': {
      const neg = node.op === '!=' || node.op === '!~';
      const hit = atomPositive(fieldValue(run, node.field), positiveOp(node.op), node.value);
      return neg ? !hit : hit;
    }
    case 'in': {
      const v = fieldValue(run, node.field);
      const hit = node.values.some((l) => atomPositive(v, '=', l));
      return node.negated ? !hit : hit;
    }
  }
}

/** Whether the query names the `archived` flag (then archived runs are not hidden by default). */
export function mentionsArchived(node: QueryNode): boolean {
  switch (node.type) {
    case 'flag':
      return node.flag === 'archived';
    case 'and':
    case 'or':
      return node.items.some(mentionsArchived);
    case 'not':
      return mentionsArchived(node.item);
    default:
      return false;
  }
}

// ------------------------------------------------------------------------------------- SQL
export interface SqlWhere {
  sql: string;
  args: unknown[];
}

function sqlAtom(valueExpr: string, op: CompareOp, lit: Literal, args: unknown[], numeric: boolean): string {
  // `valueExpr` may be NULL; the caller wraps the result so NULL counts as false.
  if (op === '~') {
    args.push(lit.type === 'number' ? lit.text : lit.value);
    return `rl_contains(${valueExpr}, ?)`;
  }
  const sqlOp = op === '=' ? '=' : op;
  if (lit.type === 'number') {
    args.push(lit.value);
    return numeric ? `(${valueExpr} ${sqlOp} ?)` : `(rl_num(${valueExpr}) ${sqlOp} ?)`;
  }
  if (numeric) {
    // A metric compared with text: the parser refuses it; keep it false if an AST is built by hand.
    return '0';
  }
  args.push(lit.value);
  if (op === '=') {
    args[args.length - 1] = lit.value.toLowerCase();
    return `(rl_lc(${valueExpr}) = ?)`;
  }
  return `(rl_cmp(${valueExpr}, ?) ${sqlOp} 0)`;
}

function sqlField(f: FieldRef, cond: (valueExpr: string, numeric: boolean) => string, args: unknown[]): string {
  if (f.scope === 'column') return `COALESCE(${cond(`runs.${RUN_COLUMNS[f.name]}`, false)}, 0)`;
  if (f.scope === 'param') {
    const keyArgs: unknown[] = [f.key];
    const inner = cond('p.value', false);
    // The key's placeholder comes before the condition's.
    args.splice(args.length - countPlaceholders(inner), 0, ...keyArgs);
    return `EXISTS (SELECT 1 FROM params p WHERE p.run_id = runs.id AND p.key = ? AND ${inner})`;
  }
  const inner = cond('m.value', true);
  args.splice(args.length - countPlaceholders(inner), 0, f.key);
  return `EXISTS (SELECT 1 FROM latest_metrics m WHERE m.run_id = runs.id AND m.key = ? AND ${inner})`;
}

function countPlaceholders(s: string): number {
  return (s.match(/\?/g) ?? []).length;
}

export function compileToSql(node: QueryNode): SqlWhere {
  const args: unknown[] = [];
  const sql = compile(node, args);
  return { sql, args };
}

function compile(node: QueryNode, args: unknown[]): string {
  switch (node.type) {
    case 'true':
      return '1';
    case 'and':
      return `(${node.items.map((n) => compile(n, args)).join(' AND ')})`;
    case 'or':
      return `(${node.items.map((n) => compile(n, args)).join(' OR ')})`;
    case 'not':
      return `(NOT ${compile(node.item, args)})`;
    case 'flag':
      return node.flag === 'star' ? '(runs.starred = 1)' : '(runs.archived_at IS NOT NULL)';
    case 'tag': {
      const neg = node.op === '!=' || node.op === '!~';
      const exact = node.op === '=' || node.op === '!=';
      args.push(exact ? node.value.toLowerCase() : node.value);
      const cond = exact ? 'rl_lc(t.tag) = ?' : 'rl_contains(t.tag, ?)';
      return `(${neg ? 'NOT ' : ''}EXISTS (SELECT 1 FROM tags t WHERE t.run_id = runs.id AND ${cond}))`;
    }
    case 'compare': {
      const neg = node.op === '!=' || node.op === '!~';
      const op = positiveOp(node.op);
      const s = sqlField(node.field, (v, numeric) => sqlAtom(v, op, node.value, args, numeric), args);
      return neg ? `(NOT ${s})` : `(${s})`;
    }
    case 'in': {
      const s = sqlField(
        node.field,
        (v, numeric) => `(${node.values.map((l) => `COALESCE(${sqlAtom(v, '=', l, args, numeric)}, 0)`).join(' OR ')})`,
        args,
      );
      return node.negated ? `(NOT ${s})` : `(${s})`;
    }
  }
}
