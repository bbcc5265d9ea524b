import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { exportRuns, importRunsFrom } from '../../src/core/history/archive';
import { buildComparison, diffParams, flattenSpec, linearFit, logit, paretoFront } from '../../src/core/history/compare';
import { HistoryStore } from '../../src/core/store/history-store';
import { LabStore, newId } from '../../src/core/store/store';
import { LabError } from '../../src/shared/errors';
import { tmpStore } from '../helpers/tmp';


function dataset(s: LabStore, name: string, parentId: string | null = null) {
  return s.insertDataset({ id: newId('ds'), name, source: 'test', height: 2, width: 2, channels: 1, numClasses: 2, classNames: ['a', 'b'], splits: { test: { count: 4 } }, files: {}, parentId, recipe: parentId ? [{ corruption: 'gaussian_noise', severity: 1 }] : null });
}

function trainRun(s: LabStore, dsId: string, spec: Record<string, unknown>, metrics: Record<string, number[]> = {}) {
  const id = newId('r');
  s.insertRun({ id, kind: 'train', name: `run ${id.slice(-4)}`, spec: { kind: 'train', ...spec } as never, datasetId: dsId, modelId: null, params: Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, String(v)])) });
  for (const [key, vals] of Object.entries(metrics)) s.logMetrics(id, vals.map((value, i) => ({ key, step: i + 1, value, time: 1000 + i })));
  const art = s.writeArtifact(Buffer.from(`weights of ${id}`), 'safetensors');
  const model = s.insertModel({ id: newId('m'), name: `model ${id.slice(-4)}`, arch: 'mlp', inputShape: [2, 2, 1], numClasses: 2, paramCount: 10, source: 'trained', datasetId: dsId, runId: id, parentId: null, sha256: art.sha256, sizeBytes: art.size, artifact: art.rel });
  s.setRunModel(id, model.id);
  s.endRun(id, 'finished');
  return { id, modelId: model.id, artifact: art.rel };
}

function evalRun(s: LabStore, modelId: string, dsId: string, clean: number, robust: number | null, details: Record<string, unknown> = {}) {
  const id = newId('r');
  s.insertRun({ id, kind: 'eval', name: `eval ${id.slice(-4)}`, spec: { kind: 'eval', model: modelId, dataset: dsId } as never, datasetId: dsId, modelId, params: {} });
  s.logMetrics(id, [{ key: 'clean_accuracy', step: 0, value: clean }, ...(robust === null ? [] : [{ key: 'robust_accuracy', step: 0, value: robust }])]);
  const ev = s.insertEvaluation({ runId: id, modelId, datasetId: dsId, split: 'test', attack: { name: robust === null ? 'none' : 'pgd', params: {} }, count: 4, cleanAccuracy: clean, robustAccuracy: robust, details });
  s.endRun(id, 'finished');
  return { id, evaluationId: ev.id };
}

describe('comparison rules with known answers', () => {
  it('flattens nested specs and marks differences by type, missing keys included', () => {
    const a = flattenSpec({ optimizer: { lr: 0.1, name: 'sgd' }, eps: 1, tags: ['x', 'y'], flag: true });
    expect(a).toEqual({ 'optimizer.lr': 0.1, 'optimizer.name': 'sgd', eps: 1, 'tags[0]': 'x', 'tags[1]': 'y', flag: true });
    const rows = diffParams([
      { lr: 0.1, eps: 1, same: 'a', flag: true, only: 3 },
      { lr: 0.1, eps: '1', same: 'a', flag: 'true' },
      { lr: 0.1, eps: 1, same: 'a', flag: true },
    ]);
    const by = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(by.lr.differs).toBe(false);
    expect(by.same.differs).toBe(false);
    expect(by.eps.differs).toBe(true); // 1 ≠ "1"
    expect(by.flag.differs).toBe(true); // true ≠ "true"
    expect(by.only.differs).toBe(true); // missing in two runs
    expect(by.only.values).toEqual([3, undefined, undefined]);
    expect(rows.filter((r) => r.differs).map((r) => r.key)).toEqual(['eps', 'flag', 'only']);
  });

  it('finds the Pareto front of hand-checked points', () => {
    // A and F are the same point (neither dominates the other); C is dominated by B, E by D.
    const pts = [
      { clean: 0.9, robust: 0.1 }, // A
      { clean: 0.8, robust: 0.4 }, // B
      { clean: 0.7, robust: 0.3 }, // C
      { clean: 0.5, robust: 0.5 }, // D
      { clean: 0.5, robust: 0.45 }, // E
      { clean: 0.9, robust: 0.1 }, // F
      { clean: 0.4, robust: 0.5 }, // G: same robust as D, less clean
    ];
    expect(paretoFront(pts)).toEqual([true, true, false, true, false, true, false]);
    expect(paretoFront([])).toEqual([]);
  });

  it('fits least squares lines worked out by hand', () => {
    expect(linearFit([0, 1, 2], [1, 3, 5])).toEqual({ slope: 2, intercept: 1, r2: 1 });
    // x̄ = 2.5, ȳ = 3.5, Sxx = 5, Sxy = 4, Syy = 5 → slope 0.8, intercept 1.5, R² = 16/25.
    const f = linearFit([1, 2, 3, 4], [2, 3, 5, 4])!;
    expect(f.slope).toBeCloseTo(0.8, 12);
    expect(f.intercept).toBeCloseTo(1.5, 12);
    expect(f.r2).toBeCloseTo(0.64, 12);
    expect(linearFit([1, 1], [2, 3])).toBeNull();
    expect(linearFit([1], [2])).toBeNull();
    expect(logit(0.5)).toBe(0);
    expect(logit(0.9)).toBeCloseTo(Math.log(9), 12);
  });
});

describe('buildComparison over a store', () => {
  it('gathers params diff, curves, scatter with front, eps curves and effective robustness', () => {
    const s = tmpStore();
    const clean = dataset(s, 'digits');
    const shifted = dataset(s, 'digits-noise', clean.id);
    const a = trainRun(s, clean.id, { method: 'erm', epochs: 2, lr: 0.1 }, { 'test/accuracy': [0.5, 0.9], 'test/pgd_accuracy': [0.0, 0.1] });
    const b = trainRun(s, clean.id, { method: 'trades', epochs: 2, lr: 0.1 }, { 'test/accuracy': [0.6, 0.8], 'test/pgd_accuracy': [0.2, 0.4] });
    const c = trainRun(s, clean.id, { method: 'pgd-at', epochs: '2', lr: 0.1 }, { 'test/accuracy': [0.6, 0.7], 'test/pgd_accuracy': [0.2, 0.3] });
    // Clean evaluations on both datasets: x = (0.9, 0.8, 0.7), y = (0.5, 0.6, 0.4).
    evalRun(s, a.modelId, clean.id, 0.9, null);
    evalRun(s, a.modelId, shifted.id, 0.5, null);
    evalRun(s, b.modelId, clean.id, 0.8, null);
    evalRun(s, b.modelId, shifted.id, 0.6, null);
    evalRun(s, c.modelId, clean.id, 0.7, null);
    evalRun(s, c.modelId, shifted.id, 0.4, null);
    evalRun(s, b.modelId, clean.id, 0.8, 0.4, { epsCurve: { source: 'grid', norm: 'linf', points: [{ eps: 0, robustAccuracy: 0.8 }, { eps: 0.1, robustAccuracy: 0.4 }] }, perClass: [{ label: 0, name: 'a', cleanAccuracy: 1, robustAccuracy: 0.5 }] });

    const cmp = buildComparison(s, { runIds: [a.id, b.id, c.id] });
    const diff = cmp.params.filter((p) => p.differs).map((p) => p.key);
    expect(diff).toEqual(['epochs', 'method']); // epochs: "2" vs 2
    expect(cmp.params.find((p) => p.key === 'lr')!.differs).toBe(false);
    expect(cmp.curves.filter((c) => c.key === 'test/accuracy')).toHaveLength(3);
    expect(cmp.scatter.cleanMetric).toBe('test/accuracy');
    expect(cmp.scatter.robustMetric).toBe('test/pgd_accuracy');
    expect(cmp.scatter.points.map((p) => [p.clean, p.robust, p.onFront])).toEqual([
      [0.9, 0.1, true],
      [0.8, 0.4, true],
      [0.7, 0.3, false],
    ]);
    expect(cmp.epsCurves).toHaveLength(1);
    expect(cmp.epsCurves[0].runId).toBe(b.id);
    expect(cmp.perClass[0].classes[0]).toEqual({ label: 0, name: 'a', clean: 1, robust: 0.5 });
    // Fit: x̄ = 0.8, ȳ = 0.5, Sxx = 0.02, Sxy = 0.1·0 + 0·0.1 + (−0.1)(−0.1) = 0.01 → slope 0.5, intercept 0.1.
    const er = cmp.effectiveRobustness;
    expect(er.inDistribution?.name).toBe('digits');
    expect(er.shifted?.name).toBe('digits-noise');
    expect(er.fit!.slope).toBeCloseTo(0.5, 10);
    expect(er.fit!.intercept).toBeCloseTo(0.1, 10);
    // Effective robustness: y − (0.1 + 0.5x) = 0.5 − 0.55, 0.6 − 0.5, 0.4 − 0.45.
    expect(er.points.map((p) => Number(p.effectiveRobustness!.toFixed(10)))).toEqual([-0.05, 0.1, -0.05]);

    // Asking for one metric returns only its curves; an unknown one falls back to the test accuracy.
    const one = buildComparison(s, { runIds: [a.id, b.id], metrics: ['test/pgd_accuracy'] });
    expect(one.curveKeys).toEqual(['test/accuracy', 'test/pgd_accuracy']);
    expect([...new Set(one.curves.map((c) => c.key))]).toEqual(['test/pgd_accuracy']);
    expect([...new Set(buildComparison(s, { runIds: [a.id, b.id], metrics: ['nope'] }).curves.map((c) => c.key))]).toEqual(['test/accuracy']);

    expect(() => buildComparison(s, { runIds: [a.id] })).toThrow(/at least 2/);
  });
});

describe('grouping', () => {
  it('counts runs per param value and names the best run (lowest for a loss)', () => {
    const s = tmpStore();
    const h = new HistoryStore(s);
    const ds = dataset(s, 'd');
    const a = trainRun(s, ds.id, { method: 'erm' }, { 'test/accuracy': [0.9], 'test/loss': [0.3] });
    trainRun(s, ds.id, { method: 'erm' }, { 'test/accuracy': [0.7], 'test/loss': [0.5] });
    const c = trainRun(s, ds.id, { method: 'trades' }, { 'test/accuracy': [0.6], 'test/loss': [0.2] });
    trainRun(s, ds.id, { arch: 'mlp' });
    const acc = h.groupRuns({ query: '', by: 'method', metric: 'test/accuracy', includeArchived: false });
    expect(acc.groups.map((g) => [g.value, g.count, g.best?.runId ?? null, g.best?.value ?? null])).toEqual([
      ['erm', 2, a.id, 0.9],
      [null, 1, null, null],
      ['trades', 1, c.id, 0.6],
    ]);
    const loss = h.groupRuns({ query: 'method = erm', by: 'method', metric: 'test/loss', includeArchived: false });
    expect(loss.groups).toEqual([{ value: 'erm', count: 2, best: { runId: a.id, name: expect.any(String), value: 0.3 } }]);
  });
});

describe('delete with undo', () => {
  it('hides and restores runs; purge keeps a model another evaluation uses and says why', () => {
    const s = tmpStore();
    const h = new HistoryStore(s);
    const ds = dataset(s, 'd');
    const a = trainRun(s, ds.id, { method: 'erm' });
    const b = trainRun(s, ds.id, { method: 'trades' });
    const ev = evalRun(s, a.modelId, ds.id, 0.9, 0.2);

    const res = h.deleteRuns([a.id], false);
    expect(res.purged).toBe(false);
    expect(res.kept.find((k) => k.id === a.modelId)?.reason).toMatch(/still use/);
    expect(h.matchIds('')).not.toContain(a.id);
    h.restore([a.id]);
    expect(h.matchIds('')).toContain(a.id);

    const purged = h.deleteRuns([a.id], true);
    expect(purged.removedModels).toEqual([]);
    expect(() => s.getRun(a.id)).toThrow(LabError);
    expect(s.getModel(a.modelId).runId).toBeNull(); // kept, no longer linked to the gone run
    expect(fs.existsSync(path.join(s.labDir, a.artifact))).toBe(true);
    expect(s.getRun(ev.id).modelId).toBe(a.modelId);
    expect(s.getDataset(ds.id).id).toBe(ds.id);

    // b's model is used by nothing else: it goes, with its file.
    const pb = h.deleteRuns([b.id], true);
    expect(pb.removedModels).toEqual([b.modelId]);
    expect(() => s.getModel(b.modelId)).toThrow(LabError);
    expect(fs.existsSync(path.join(s.labDir, b.artifact))).toBe(false);
  });
});

describe('run archives', () => {
  it('round-trips runs with metrics, models and evaluations; a second import adds nothing', () => {
    const src = tmpStore();
    const dst = tmpStore();
    const ds = dataset(src, 'digits');
    dataset(dst, 'digits'); // the same built-in exists in the other lab under another id
    const a = trainRun(src, ds.id, { method: 'erm' }, { 'test/accuracy': [0.5, 0.9] });
    const ev = evalRun(src, a.modelId, ds.id, 0.9, 0.3);
    new HistoryStore(src).setFlags({ runIds: [a.id], addTags: ['baseline'] });
    const file = path.join(src.labDir, 'out.robustlab.gz');
    const ex = exportRuns(src, { runIds: [a.id, ev.id], file, withData: false });
    expect(ex).toMatchObject({ runs: 2, models: 1, datasets: 1 });

    const first = importRunsFrom(dst, { file });
    expect(first.imported.sort()).toEqual([a.id, ev.id].sort());
    expect(first.datasets).toBe(0); // mapped onto the existing "digits"
    const run = dst.getRun(a.id);
    expect(run.tags).toEqual(['baseline']);
    expect(dst.getMetrics(a.id)['test/accuracy'].map((p) => p.value)).toEqual([0.5, 0.9]);
    expect(dst.readArtifact(dst.getModel(a.modelId).artifact).toString()).toBe(`weights of ${a.id}`);
    expect(dst.listEvaluations({ runId: ev.id })).toHaveLength(1);
    expect(dst.getRun(a.id).datasetId).toBe(dst.findDatasetByName('digits')!.id);

    const count = () => (dst.db.prepare('SELECT (SELECT COUNT(*) FROM runs) + (SELECT COUNT(*) FROM metrics) + (SELECT COUNT(*) FROM models) + (SELECT COUNT(*) FROM evaluations) AS n').get() as { n: number }).n;
    const before = count();
    const second = importRunsFrom(dst, { file });
    expect(second.imported).toEqual([]);
    expect(second.skipped.sort()).toEqual([a.id, ev.id].sort());
    expect(count()).toBe(before);
  });

  it('refuses a damaged archive with one sentence and changes nothing', () => {
    const src = tmpStore();
    const dst = tmpStore();
    const ds = dataset(src, 'digits');
    const a = trainRun(src, ds.id, { method: 'erm' }, { 'test/accuracy': [0.9] });
    const ex = exportRuns(src, { runIds: [a.id], withData: false });
    const good = Buffer.from(ex.base64!, 'base64');
    const snapshot = () => JSON.stringify(dst.db.prepare("SELECT name FROM sqlite_master WHERE type='table'").all().map((t) => (dst.db.prepare(`SELECT COUNT(*) AS n FROM ${(t as { name: string }).name}`).get() as { n: number }).n));
    const before = snapshot();
    const filesBefore = fs.readdirSync(dst.labDir).sort();

    const truncated = good.subarray(0, good.length - 20);
    const inner = JSON.parse(zlib.gunzipSync(good).toString());
    const tampered = zlib.gzipSync(JSON.stringify({ ...inner, payload: inner.payload.replace('0.9', '0.8') }));
    const wrong = zlib.gzipSync('{"hello":1}');
    for (const [bytes, why] of [
      [truncated, /does not decompress/],
      [tampered, /does not match its checksum/],
      [wrong, /header is missing or wrong/],
      [Buffer.from('not gzip'), /does not decompress/],
    ] as const) {
      let err: unknown;
      try {
        importRunsFrom(dst, { base64: bytes.toString('base64') });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LabError);
      expect((err as LabError).code).toBe('bad_file');
      expect((err as LabError).message).toMatch(why);
      expect((err as LabError).message.split('. ').length).toBe(1);
    }
    expect(snapshot()).toBe(before);
    expect(fs.readdirSync(dst.labDir).sort()).toEqual(filesBefore);
  });
});
