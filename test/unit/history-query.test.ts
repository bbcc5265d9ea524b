import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchRun, type RunRow } from '../../src/core/history/evaluate';
import { parseQuery, type QueryNode } from '../../src/core/history/query';
import { HistoryStore } from '../../src/core/store/history-store';
import { LabStore } from '../../src/core/store/store';
import { tmpDir } from '../helpers/tmp';

function ast(q: string): QueryNode {
  const r = parseQuery(q);
  if (!r.ok) throw new Error(r.error.message);
  return r.ast;
}

describe('query parser: golden cases', () => {
  it('parses the examples of the issue into the expected trees', () => {
    expect(ast('method = "trades" and metrics.test/pgd_accuracy > 0.4')).toEqual({
      type: 'and',
      items: [
        { type: 'compare', field: { scope: 'param', key: 'method' }, op: '=', value: { type: 'string', value: 'trades' } },
        { type: 'compare', field: { scope: 'metric', key: 'test/pgd_accuracy' }, op: '>', value: { type: 'number', value: 0.4, text: '0.4' } },
      ],
    });
    expect(ast('tag:baseline or star')).toEqual({
      type: 'or',
      items: [{ type: 'tag', op: '=', value: 'baseline' }, { type: 'flag', flag: 'star' }],
    });
    expect(ast('params.eps in (0.1, 0.3)')).toEqual({
      type: 'in',
      field: { scope: 'param', key: 'eps' },
      negated: false,
      values: [
        { type: 'number', value: 0.1, text: '0.1' },
        { type: 'number', value: 0.3, text: '0.3' },
      ],
    });
    expect(ast('name ~ "cnn"')).toEqual({ type: 'compare', field: { scope: 'column', name: 'name' }, op: '~', value: { type: 'string', value: 'cnn' } });
    expect(ast('status != failed')).toEqual({ type: 'compare', field: { scope: 'column', name: 'status' }, op: '!=', value: { type: 'string', value: 'failed' } });
    expect(ast('created > 2026-11-01')).toEqual({ type: 'compare', field: { scope: 'column', name: 'created' }, op: '>', value: { type: 'string', value: '2026-11-01' } });
    expect(ast('')).toEqual({ type: 'true' });
  });

  it('binds and tighter than or, not tightest, and parentheses override', () => {
    const a = { type: 'flag', flag: 'star' };
    const tag = (v: string) => ({ type: 'tag', op: '=', value: v });
    expect(ast('star or tag:a and tag:b')).toEqual({ type: 'or', items: [a, { type: 'and', items: [tag('a'), tag('b')] }] });
    expect(ast('(star or tag:a) and tag:b')).toEqual({ type: 'and', items: [{ type: 'or', items: [a, tag('a')] }, tag('b')] });
    expect(ast('not star and tag:b')).toEqual({ type: 'and', items: [{ type: 'not', item: a }, tag('b')] });
    // Two terms side by side mean "and".
    expect(ast('tag:a star')).toEqual({ type: 'and', items: [tag('a'), a] });
    expect(ast('kind not in (eval, corrupt)')).toMatchObject({ type: 'in', negated: true, field: { scope: 'column', name: 'kind' } });
    expect(ast('optimizer.lr <= 1e-2')).toMatchObject({ type: 'compare', field: { scope: 'param', key: 'optimizer.lr' }, op: '<=', value: { value: 0.01 } });
    expect(ast("name = 'it\\'s'")).toMatchObject({ value: { type: 'string', value: "it's" } });
  });

  it('gives one sentence with the position and what was expected, and never throws', () => {
    const cases: [string, number, RegExp][] = [
      ['method = ', 10, /expected a value after params.method = .* but found the end of the query/],
      ['(star or tag:a', 15, /expected "\)" to close the "\(" at position 1/],
      ['status failed', 8, /expected an operator .* after status but found "failed"/],
      ['metrics.test/accuracy > "high"', 25, /expected a number: metrics.test\/accuracy is a metric/],
      ['name ~ "cnn', 8, /closing " for the text started here/],
      ['star and', 9, /expected a field name/],
      ['eps in 0.1', 8, /"\(" to start the list after "in"/],
      ['a = 1)', 6, /no "\)" here/],
      ['name = x #', 10, /found "#"/],
      ['metrics > 1', 8, /"\.<key>" after "metrics"/],
    ];
    for (const [q, pos, msg] of cases) {
      const r = parseQuery(q);
      expect(r.ok, q).toBe(false);
      if (r.ok) continue;
      expect(r.error.position + 1, q).toBe(pos);
      expect(r.error.message, q).toMatch(msg);
      expect(r.error.message).toMatch(new RegExp(`^Query error at position ${pos}: .*\\.$`));
    }
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      const r = parseQuery(s);
      return r.ok || (typeof r.error.message === 'string' && r.error.position >= 0 && r.error.position <= s.length);
    }));
  });
});

// --------------------------------------------------------------------------- property test
const NAMES = ['cnn small', 'CNN-large', 'mlp', 'Ärger', 'résumé', '𝔸x', 'trades-run', ''];
const STATUSES = ['finished', 'failed', 'cancelled', 'interrupted'];
const KINDS = ['train', 'eval', 'corrupt'];
const PARAM_KEYS = ['method', 'arch', 'eps', 'optimizer.lr'];
const PARAM_VALUES = ['trades', 'TRADES', 'erm', '0.1', '0.10', '1', '1e-3', ' 2 ', '', 'mnist-cnn', 'x1', '-0'];
const METRIC_KEYS = ['test/accuracy', 'loss'];
const TAGS = ['baseline', 'Baseline2', 'old', 'é'];
const DATES = ['2026-10-01T10:00:00.000Z', '2026-11-01T00:00:00.000Z', '2026-11-15T12:30:00.000Z', '2025-01-01T00:00:00.000Z'];

interface GenRun {
  name: string;
  status: string;
  kind: string;
  created: string;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: string[];
  starred: boolean;
  archived: boolean;
}

const genRun: fc.Arbitrary<GenRun> = fc.record({
  name: fc.constantFrom(...NAMES),
  status: fc.constantFrom(...STATUSES),
  kind: fc.constantFrom(...KINDS),
  created: fc.constantFrom(...DATES),
  params: fc.dictionary(fc.constantFrom(...PARAM_KEYS), fc.constantFrom(...PARAM_VALUES), { maxKeys: 4 }),
  metrics: fc.dictionary(fc.constantFrom(...METRIC_KEYS), fc.oneof(fc.constantFrom(0, 0.1, 0.4, 1), fc.double({ min: -2, max: 2, noNaN: true })), { maxKeys: 2 }),
  tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
  starred: fc.boolean(),
  archived: fc.boolean(),
});

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const strLit = fc.constantFrom(...PARAM_VALUES.filter((v) => v.trim() !== ''), ...NAMES, 'finished', 'train', '2026-11-01', 'a', 'Ä', 'résumé');
const numLit = fc.constantFrom('0', '0.1', '1', '2', '-0.5', '1e-3', '0.4');
const value = fc.oneof(strLit.map(quote), numLit);
const field = fc.constantFrom('name', 'status', 'kind', 'created', 'method', 'params.eps', 'params.optimizer.lr', 'arch', 'params.missing');
const metricField = fc.constantFrom('metrics.test/accuracy', 'metrics.loss');
const op = fc.constantFrom('=', '!=', '<', '<=', '>', '>=', '~', '!~');
const numOp = fc.constantFrom('=', '!=', '<', '<=', '>', '>=');

const atom: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(field, op, value).map(([f, o, v]) => `${f} ${o} ${v}`),
  fc.tuple(metricField, numOp, numLit).map(([f, o, v]) => `${f} ${o} ${v}`),
  fc.tuple(field, fc.boolean(), fc.array(value, { minLength: 1, maxLength: 3 })).map(([f, n, vs]) => `${f} ${n ? 'not in' : 'in'} (${vs.join(', ')})`),
  fc.tuple(metricField, fc.array(numLit, { minLength: 1, maxLength: 3 })).map(([f, vs]) => `${f} in (${vs.join(', ')})`),
  fc.tuple(fc.constantFrom(':', '=', '!=', '~', '!~'), fc.constantFrom(...TAGS, 'base', 'BASELINE')).map(([o, t]) => `tag${o}${quote(t)}`),
  fc.constantFrom('star', 'archived'),
);

const queryArb: fc.Arbitrary<string> = fc.letrec<{ q: string }>((tie) => ({
  q: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('q'), fc.constantFrom('and', 'or', ''), tie('q')).map(([a, o, b]) => `(${a}) ${o} (${b})`),
    tie('q').map((a) => `not (${a})`),
  ),
})).q;

describe('query evaluation: SQL agrees with the SQL-free reference on random runs', () => {
  const t = tmpDir();
  let store: LabStore;
  let history: HistoryStore;
  let rows: { id: string; row: RunRow }[] = [];

  beforeAll(() => {
    store = LabStore.open(t.dir);
    history = new HistoryStore(store);
    const runs = fc.sample(genRun, { numRuns: 120, seed: 42 });
    runs.forEach((g, i) => {
      const id = `r_${String(i).padStart(4, '0')}`;
      store.insertRun({ id, kind: g.kind as 'train', name: g.name, spec: { kind: g.kind } as never, datasetId: null, modelId: null, params: g.params });
      store.db.prepare('UPDATE runs SET status = ?, created_at = ? WHERE id = ?').run(g.status, g.created, id);
      store.logMetrics(id, Object.entries(g.metrics).map(([key, value]) => ({ key, step: 1, value })));
      if (g.tags.length || g.starred || g.archived) {
        history.setFlags({ runIds: [id], starred: g.starred, archived: g.archived, addTags: g.tags });
      }
      rows.push({
        id,
        row: {
          columns: { id, name: g.name, kind: g.kind, status: g.status, created: g.created, started: null, ended: null, backend: null, device: null, note: '', model: null, group: null },
          params: g.params,
          metrics: g.metrics,
          tags: g.tags,
          starred: g.starred,
          archived: g.archived,
        },
      });
    });
  });
  afterAll(() => {
    store.close();
    t.cleanup();
    rows = [];
  });

  it('hand-picked queries select the runs the reference selects', () => {
    for (const q of ['method = "trades"', 'params.eps = 0.1', 'eps > 0.05', 'tag:baseline or star', 'name ~ "CNN"', 'created > 2026-11-01', 'metrics.loss < 0', 'not archived']) {
      const want = rows.filter((r) => matchRun(ast(q), r.row)).map((r) => r.id).sort();
      expect(history.matchIds(q, true).sort(), q).toEqual(want);
      expect(want.length, `${q} should select something`).toBeGreaterThan(0);
    }
    // "0.10" is the number 0.1; "TRADES" equals "trades" ignoring case.
    const eps = history.matchIds('params.eps = 0.1', true);
    expect(rows.filter((r) => r.row.params.eps === '0.10').every((r) => eps.includes(r.id))).toBe(true);
  });

  it('random queries: both evaluators agree (fast-check)', () => {
    fc.assert(
      fc.property(queryArb, fc.boolean(), (q, includeArchived) => {
        const parsed = parseQuery(q);
        expect(parsed.ok, q).toBe(true);
        if (!parsed.ok) return;
        const archivedNamed = /\barchived\b/.test(q);
        const want = rows
          .filter((r) => (includeArchived || archivedNamed || !r.row.archived) && matchRun(parsed.ast, r.row))
          .map((r) => r.id)
          .sort();
        expect(history.matchIds(q, includeArchived).sort(), q).toEqual(want);
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});
