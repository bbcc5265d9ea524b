/**
 * The corruption-robustness benchmark (Hendrycks & Dietterich, 2019): accuracy of a model on a
 * split corrupted by every corruption c at every severity s, with the errors E_{s,c} = 1 − acc.
 * Against a baseline model b chosen by the person:
 *   CE_c          = Σ_s E^f_{s,c} / Σ_s E^b_{s,c}
 *   relative CE_c = Σ_s (E^f_{s,c} − E^f_clean) / Σ_s (E^b_{s,c} − E^b_clean)
 * and mCE / relative mCE are their means over the corruptions. Both models see exactly the same
 * corrupted images (same recipe seed). Stored as an evaluation whose details hold the accuracy
 * matrix (corruption × severity) for a heatmap.
 *
 * Runs in: the job worker process (the check at submit runs in the host).
 */
import { LabError } from '../../shared/errors';
import { checkModelFitsDataset } from '../../shared/model-fit';
import type { EvalSpec, EvaluationInfo } from '../../shared/schemas';
import { tf } from '../engine/backend';
import { gatherBatch, limitSplit, readSplit, type DatasetFiles, type SplitArrays } from '../data/dataset';
import type { JobContext } from '../jobs/context';
import type { Model } from '../models/model';
import type { DatasetRecord, LabStore } from '../store/store';
import { loadStoredModel } from '../store/model-files';
import { IMAGENET_C_15, getCorruption, resolveStep } from '../corruptions/registry';
import { allocateResult, corruptRange, planSplit } from '../corruptions/recipe';

const ALL_SEVERITIES = [1, 2, 3, 4, 5];

/**
 * Checks a benchmark spec before it is queued and returns its resolved fields: the corruption
 * list (default: the 15 ImageNet-C corruptions), severities (default 1–5) and the baseline's id.
 */
export function checkCorruptionBenchmark(
  store: LabStore,
  spec: EvalSpec,
  ds: DatasetRecord,
): { corruptions: string[]; severities: number[]; baselineModel?: string } {
  if (spec.attack.name !== 'none') {
    throw new LabError('bad_input', `The corruption benchmark measures accuracy on corrupted images without an attack; leave the attack at "none" (got "${spec.attack.name}").`);
  }
  const corruptions = [...new Set(spec.corruptions ?? [...IMAGENET_C_15])];
  for (const name of corruptions) {
    const c = getCorruption(name);
    if (c.kind !== 'image') {
      throw new LabError('bad_input', `${name} changes labels or the split, not the images; the corruption benchmark takes image corruptions only.`);
    }
    resolveStep({ corruption: name }, { channels: ds.channels });
  }
  const severities = [...new Set(spec.severities ?? ALL_SEVERITIES)].sort((a, b) => a - b);
  let baselineModel: string | undefined;
  if (spec.baselineModel) {
    const b = store.getModel(spec.baselineModel);
    checkModelFitsDataset(b, ds);
    baselineModel = b.id;
  }
  return { corruptions, severities, ...(baselineModel ? { baselineModel } : {}) };
}

/** Share of correct top-1 predictions, batch by batch. */
async function accuracy(model: Model, split: SplitArrays, batchSize: number, tick: () => Promise<void>): Promise<number> {
  let correct = 0;
  const { height: h, width: w, channels: c } = split;
  for (let start = 0; start < split.count; start += batchSize) {
    await tick();
    const end = Math.min(split.count, start + batchSize);
    const batch = gatherBatch(
      split,
      Array.from({ length: end - start }, (_, i) => start + i),
    );
    const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
    try {
      const pred = tf.tidy(() => tf.argMax(model.forward(x, { training: false }), 1));
      const p = pred.dataSync();
      pred.dispose();
      for (let i = 0; i < batch.n; i++) if (p[i] === batch.y[i]) correct++;
    } finally {
      x.dispose();
    }
  }
  return split.count ? correct / split.count : 0;
}

export interface BenchmarkScores {
  /** Mean corruption error per corruption, normalised by the baseline (null without one). */
  ce: (number | null)[];
  relativeCe: (number | null)[];
  mCE: number | null;
  relativeMCE: number | null;
  meanAccuracy: number;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** CE, relative CE and their means from accuracy matrices [corruption][severity] and clean accuracies. */
export function benchmarkScores(acc: number[][], clean: number, baseAcc: number[][] | null, baseClean: number | null): BenchmarkScores {
  const ce: (number | null)[] = [];
  const rel: (number | null)[] = [];
  acc.forEach((row, c) => {
    if (!baseAcc || baseClean == null) {
      ce.push(null);
      rel.push(null);
      return;
    }
    const ef = row.reduce((a, v) => a + (1 - v), 0);
    const eb = baseAcc[c].reduce((a, v) => a + (1 - v), 0);
    ce.push(eb > 0 ? ef / eb : null);
    const rf = row.reduce((a, v) => a + (1 - v - (1 - clean)), 0);
    const rb = baseAcc[c].reduce((a, v) => a + (1 - v - (1 - baseClean)), 0);
    rel.push(rb > 0 ? rf / rb : null);
  });
  const defined = (xs: (number | null)[]) => xs.filter((v): v is number => v != null);
  return {
    ce,
    relativeCe: rel,
    mCE: defined(ce).length ? mean(defined(ce)) : null,
    relativeMCE: defined(rel).length ? mean(defined(rel)) : null,
    meanAccuracy: mean(acc.flat()),
  };
}

export async function runCorruptionBenchmark(ctx: JobContext, spec: EvalSpec): Promise<EvaluationInfo> {
  const { store } = ctx;
  const t0 = Date.now();
  const ds = store.getDataset(spec.dataset);
  const resolved = checkCorruptionBenchmark(store, spec, ds);
  const { model, record } = loadStoredModel(store, spec.model);
  const base = resolved.baselineModel ? loadStoredModel(store, resolved.baselineModel) : null;
  try {
    checkModelFitsDataset(record, ds);
    const split = limitSplit(readSplit(store.labDir, ds.files as unknown as DatasetFiles, spec.split), spec.limit);
    const tick = () => ctx.tick();
    const models = base ? [model, base.model] : [model];
    const clean: number[] = [];
    for (const m of models) clean.push(await accuracy(m, split, spec.batchSize, tick));
    const { corruptions, severities } = resolved;
    const acc: number[][] = corruptions.map(() => []);
    const baseAcc: number[][] | null = base ? corruptions.map(() => []) : null;
    const total = corruptions.length * severities.length;
    let done = 0;
    for (let ci = 0; ci < corruptions.length; ci++) {
      for (const s of severities) {
        const recipe = { steps: [{ corruption: corruptions[ci], severity: s, params: {} }], seed: spec.seed };
        const plan = planSplit(split, recipe, { splitName: spec.split, numClasses: ds.numClasses, seed: spec.seed });
        const corrupted = allocateResult(plan, split);
        for (let start = 0; start < corrupted.count; start += 256) {
          await tick();
          corruptRange(plan, split, corrupted, start, Math.min(corrupted.count, start + 256));
        }
        acc[ci].push(await accuracy(model, corrupted, spec.batchSize, tick));
        if (base && baseAcc) baseAcc[ci].push(await accuracy(base.model, corrupted, spec.batchSize, tick));
        done++;
        const secs = (Date.now() - t0) / 1000;
        ctx.progress({
          phase: 'corruptions',
          epoch: 0,
          epochs: 0,
          step: done,
          steps: total,
          fraction: done / total,
          accuracy: acc[ci][acc[ci].length - 1],
          imagesPerSec: secs > 0 ? (done * split.count) / secs : undefined,
          message: `${corruptions[ci]} severity ${s} (${done} of ${total})`,
        });
      }
    }
    const scores = benchmarkScores(acc, clean[0], baseAcc, base ? clean[1] : null);
    const metrics = [
      { key: 'clean_accuracy', step: 0, value: clean[0] },
      { key: 'corruption_accuracy', step: 0, value: scores.meanAccuracy },
    ];
    if (scores.mCE != null) metrics.push({ key: 'mce', step: 0, value: scores.mCE });
    if (scores.relativeMCE != null) metrics.push({ key: 'relative_mce', step: 0, value: scores.relativeMCE });
    corruptions.forEach((c, i) => metrics.push({ key: `corruption_accuracy/${c}`, step: 0, value: mean(acc[i]) }));
    ctx.log(metrics);
    return store.insertEvaluation({
      runId: ctx.run.id,
      modelId: record.id,
      datasetId: ds.id,
      split: spec.split,
      attack: {
        name: 'corruptions',
        params: { corruptions: corruptions.length, severities: severities.join(','), baseline: base?.record.id ?? '', seed: spec.seed },
      },
      count: split.count,
      cleanAccuracy: clean[0],
      robustAccuracy: scores.meanAccuracy,
      details: {
        benchmark: 'corruptions',
        corruptions,
        titles: corruptions.map((c) => getCorruption(c).title),
        severities,
        /** accuracy[c][k]: accuracy under corruptions[c] at severities[k] (heatmap rows × columns). */
        accuracy: acc,
        meanCorruptionAccuracy: scores.meanAccuracy,
        meanCorruptionError: 1 - scores.meanAccuracy,
        ce: scores.ce,
        relativeCe: scores.relativeCe,
        mCE: scores.mCE,
        relativeMCE: scores.relativeMCE,
        baseline: base
          ? { modelId: base.record.id, name: base.record.name, cleanAccuracy: clean[1], accuracy: baseAcc }
          : null,
        seed: spec.seed,
        seconds: (Date.now() - t0) / 1000,
      },
    });
  } finally {
    model.dispose();
    base?.model.dispose();
  }
}
