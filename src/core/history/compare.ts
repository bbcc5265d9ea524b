/**
 * The comparison of 2–50 runs: params diff, latest metrics, curves, clean-vs-robust scatter with
 * its Pareto front, robustness curves, per-class bars, corruption heatmaps, effective robustness.
 * Pure functions (`flattenSpec`, `diffParams`, `paretoFront`, `linearFit`) carry the rules and are
 * tested with hand-computed answers; `buildComparison` only gathers rows from the store.
 */
import { LabError } from '../../shared/errors';
import type {
  BenchmarkGrid,
  Comparison,
  CompareRun,
  CurveSeries,
  EffectiveRobustness,
  EpsCurve,
  ParamRow,
  ParamValue,
  PerClassBars,
  ScatterPoint,
} from '../../shared/history';
import type { EvaluationInfo } from '../../shared/schemas';
import type { LabStore, RunRecord } from '../store/store';
import { HistoryStore } from '../store/history-store';

/** Nested objects become dotted keys (`optimizer.lr`), arrays indexed ones (`corruptions[0]`); leaves keep their types. */
export function flattenSpec(obj: unknown, prefix = '', out: Record<string, ParamValue> = {}): Record<string, ParamValue> {
  if (obj === null || obj === undefined) {
    if (prefix) out[prefix] = null;
    return out;
  }
  if (Array.isArray(obj)) {
    obj.forEach((v, i) => flattenSpec(v, `${prefix}[${i}]`, out));
    return out;
  }
  if (typeof obj === 'object') {
    const entries = Object.entries(obj as Record<string, unknown>);
    for (const [k, v] of entries) flattenSpec(v, prefix ? `${prefix}.${k}` : k, out);
    return out;
  }
  out[prefix] = obj as ParamValue;
  return out;
}

/** Same type and same value (so 1 ≠ "1", true ≠ "true"); NaN equals NaN. */
export function sameValue(a: ParamValue | undefined, b: ParamValue | undefined): boolean {
  return Object.is(a, b) || (typeof a === 'number' && typeof b === 'number' && a === b);
}

/** One row per key in any run; a key missing from some run counts as a difference. */
export function diffParams(flat: Record<string, ParamValue>[]): ParamRow[] {
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  return keys.map((key) => {
    const values = flat.map((f) => (Object.prototype.hasOwnProperty.call(f, key) ? f[key] : undefined));
    const present = flat.map((f) => Object.prototype.hasOwnProperty.call(f, key));
    const differs = present.includes(false) || values.some((v) => !sameValue(v, values[0]));
    return { key, values, present, differs };
  });
}

/**
 * Points not dominated by another (another point at least as good on both axes and better on one):
 * the best trade-offs between clean and robust accuracy. Exact duplicates do not dominate each
 * other. Pairwise check: at most 50 runs are compared.
 */
export function paretoFront(points: { clean: number; robust: number }[]): boolean[] {
  return points.map((p) => !points.some((q) => q.clean >= p.clean && q.robust >= p.robust && (q.clean > p.clean || q.robust > p.robust)));
}

/** Ordinary least squares y = intercept + slope·x, with R². Null with fewer than 2 distinct x. */
export function linearFit(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number } | null {
  const n = xs.length;
  if (n < 2 || ys.length !== n) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2 };
}

/** log(p / (1 − p)), with p clamped to [1e-4, 1 − 1e-4] so 0 and 1 stay finite. */
export function logit(p: number): number {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q));
}

const CLEAN_KEYS = ['test/accuracy', 'clean_accuracy', 'kept/test_accuracy'];
const ROBUST_KEYS = ['test/pgd_accuracy', 'robust_accuracy', 'test/certified_accuracy'];

function pickKey(preferred: string[], runs: RunRecord[]): string {
  let best = preferred[0];
  let bestCount = -1;
  for (const k of preferred) {
    const c = runs.filter((r) => r.latestMetrics[k] !== undefined).length;
    if (c > bestCount) {
      best = k;
      bestCount = c;
    }
  }
  return best;
}

export interface CompareOptions {
  runIds: string[];
  metrics?: string[];
  cleanMetric?: string;
  robustMetric?: string;
  inDistribution?: string;
  shifted?: string;
  logitFit?: boolean;
  reference?: string;
}

/** The evaluations a run stands for: its own (eval run) or its model's (train run). */
function runEvaluations(store: LabStore, run: RunRecord, byModel: Map<string, EvaluationInfo[]>): EvaluationInfo[] {
  if (run.kind === 'eval') return store.listEvaluations({ runId: run.id });
  if (run.modelId) {
    if (!byModel.has(run.modelId)) byModel.set(run.modelId, store.listEvaluations({ modelId: run.modelId }));
    return byModel.get(run.modelId)!;
  }
  return [];
}

export function buildComparison(store: LabStore, opts: CompareOptions): Comparison {
  const ids = [...new Set(opts.runIds)];
  if (ids.length < 2) throw new LabError('bad_input', 'Choose at least 2 different runs to compare.');
  if (ids.length > 50) throw new LabError('bad_input', `Compare at most 50 runs at once (got ${ids.length}).`);
  const history = new HistoryStore(store);
  const runs = ids.map((id) => {
    const r = store.getRun(id);
    if (history.flags(id).deleted) throw new LabError('not_found', `Run "${r.name}" was deleted; restore it before comparing.`);
    return r;
  });
  const compareRuns: CompareRun[] = runs.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    createdAt: r.createdAt,
    modelId: r.modelId,
    datasetId: r.datasetId,
    tags: r.tags,
  }));

  const params = diffParams(runs.map((r) => flattenSpec(r.spec)));

  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.latestMetrics)))].sort();
  const metrics = metricKeys.map((key) => ({ key, values: runs.map((r) => r.latestMetrics[key] ?? null) }));

  const curveKeys = history.curveKeys(ids);
  // Asked-for metrics that have no history fall back to the test accuracy (or the first key), so a
  // page asking for one chart always gets one.
  let asked = opts.metrics?.length ? opts.metrics.filter((k) => curveKeys.includes(k)) : null;
  if (asked && !asked.length && curveKeys.length) asked = [curveKeys.includes('test/accuracy') ? 'test/accuracy' : curveKeys[0]];
  const wanted = asked ? new Set(asked) : null;
  const curves: CurveSeries[] = [];
  const histories = history.metricHistories(ids, asked ?? undefined);
  for (const r of runs) {
    for (const [key, points] of histories.get(r.id) ?? new Map<string, { step: number; value: number; time: number }[]>()) {
      if (wanted && !wanted.has(key)) continue;
      if (!wanted && points.length < 2) continue; // single values are in the metric table
      curves.push({ runId: r.id, key, points });
    }
  }

  const byModel = new Map<string, EvaluationInfo[]>();
  const evals = runs.map((r) => runEvaluations(store, r, byModel));

  const cleanMetric = opts.cleanMetric ?? pickKey(CLEAN_KEYS, runs);
  const robustMetric = opts.robustMetric ?? pickKey(ROBUST_KEYS, runs);
  const raw: { runId: string; clean: number; robust: number }[] = [];
  runs.forEach((r, i) => {
    let clean: number | undefined = r.latestMetrics[cleanMetric];
    let robust: number | undefined = r.latestMetrics[robustMetric];
    if ((clean === undefined || robust === undefined) && !opts.cleanMetric && !opts.robustMetric) {
      // A training run without robust metrics: its model's newest attacked evaluation.
      const ev = evals[i].find((e) => e.robustAccuracy !== null && e.attack.name !== 'corruptions');
      if (ev) {
        clean ??= ev.cleanAccuracy;
        robust ??= ev.robustAccuracy!;
      }
    }
    if (clean !== undefined && robust !== undefined) raw.push({ runId: r.id, clean, robust });
  });
  const front = paretoFront(raw);
  const scatterPoints: ScatterPoint[] = raw.map((p, i) => ({ ...p, onFront: front[i] }));

  const epsCurves: EpsCurve[] = [];
  const perClass: PerClassBars[] = [];
  const benchmarks: BenchmarkGrid[] = [];
  runs.forEach((r, i) => {
    const list = evals[i];
    const withCurve = list.find((e) => (e.details as { epsCurve?: { points?: unknown[] } | null }).epsCurve?.points?.length);
    if (withCurve) {
      const c = (withCurve.details as { epsCurve: { points: { eps: number; robustAccuracy: number }[] } }).epsCurve;
      epsCurves.push({ runId: r.id, evaluationId: withCurve.id, attack: withCurve.attack.name, points: c.points });
    }
    const withClasses = list.find((e) => e.attack.name !== 'corruptions' && Array.isArray((e.details as { perClass?: unknown }).perClass));
    if (withClasses) {
      const pc = (withClasses.details as { perClass: { label: number; name: string; cleanAccuracy: number | null; robustAccuracy: number | null }[] }).perClass;
      perClass.push({ runId: r.id, evaluationId: withClasses.id, classes: pc.map((c) => ({ label: c.label, name: c.name, clean: c.cleanAccuracy, robust: c.robustAccuracy })) });
    }
    const bench = list.find((e) => (e.details as { benchmark?: string }).benchmark === 'corruptions');
    if (bench) {
      const d = bench.details as { corruptions: string[]; severities: number[]; accuracy: number[][]; meanCorruptionAccuracy?: number };
      benchmarks.push({
        runId: r.id,
        evaluationId: bench.id,
        severities: d.severities,
        corruptions: d.corruptions.map((name, k) => ({ name, accuracy: d.accuracy[k] ?? [] })),
        meanAccuracy: d.meanCorruptionAccuracy ?? null,
      });
    }
  });

  let referenceRunId = runs[0].id;
  if (opts.reference) {
    if (!ids.includes(opts.reference)) throw new LabError('bad_input', `The reference run "${opts.reference}" is not one of the compared runs.`);
    referenceRunId = opts.reference;
  }

  return {
    runs: compareRuns,
    params,
    metrics,
    curveKeys,
    curves,
    scatter: { cleanMetric, robustMetric, points: scatterPoints },
    epsCurves,
    perClass,
    benchmarks,
    referenceRunId,
    effectiveRobustness: effectiveRobustness(store, runs, evals, opts),
  };
}

/** Clean accuracy of each run's model on an in-distribution test set and a shifted one; linear fit across runs. */
function effectiveRobustness(store: LabStore, runs: RunRecord[], evals: EvaluationInfo[][], opts: CompareOptions): EffectiveRobustness {
  const scale = opts.logitFit ? 'logit' : 'linear';
  const dsName = (id: string) => {
    try {
      return store.getDataset(id);
    } catch {
      return null;
    }
  };
  // Clean accuracy per (run, dataset): newest evaluation first.
  const acc = runs.map((_, i) => {
    const m = new Map<string, number>();
    for (const e of evals[i]) if (e.attack.name === 'none' && !m.has(e.datasetId)) m.set(e.datasetId, e.cleanAccuracy);
    return m;
  });
  let inId = opts.inDistribution ? store.getDataset(opts.inDistribution).id : null;
  let shiftId = opts.shifted ? store.getDataset(opts.shifted).id : null;
  if (!inId || !shiftId) {
    // Detect: the (parent, child) dataset pair that most runs have clean evaluations on.
    const counts = new Map<string, number>();
    for (const m of acc) {
      for (const d of m.keys()) {
        const ds = dsName(d);
        if (ds?.parentId && m.has(ds.parentId) && (!inId || ds.parentId === inId) && (!shiftId || d === shiftId)) {
          const k = `${ds.parentId}|${d}`;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
      }
    }
    const best = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
    if (best) [inId, shiftId] = best[0].split('|');
  }
  const inDs = inId ? dsName(inId) : null;
  const shiftDs = shiftId ? dsName(shiftId) : null;
  const base = {
    inDistribution: inDs ? { id: inDs.id, name: inDs.name } : null,
    shifted: shiftDs ? { id: shiftDs.id, name: shiftDs.name } : null,
    scale,
  } as const;
  if (!inId || !shiftId) {
    return { ...base, fit: null, points: [], note: 'No pair of a dataset and a corrupted copy of it has clean evaluations of these runs; evaluate the models on both (attack none) to see effective robustness.' };
  }
  const f = scale === 'logit' ? logit : (p: number) => p;
  const pts = runs
    .map((r, i) => ({ runId: r.id, x: acc[i].get(inId!), y: acc[i].get(shiftId!) }))
    .filter((p): p is { runId: string; x: number; y: number } => p.x !== undefined && p.y !== undefined)
    .map((p) => ({ runId: p.runId, x: f(p.x), y: f(p.y) }));
  const fit = linearFit(
    pts.map((p) => p.x),
    pts.map((p) => p.y),
  );
  return {
    ...base,
    fit,
    points: pts.map((p) => {
      const predicted = fit ? fit.intercept + fit.slope * p.x : null;
      return { ...p, predicted, effectiveRobustness: predicted === null ? null : p.y - predicted };
    }),
    note: fit ? null : 'A fit needs at least 2 runs with different accuracies evaluated on both datasets.',
  };
}
