/**
 * The evaluation job: clean accuracy and, with an attack, robust accuracy of a stored model on a
 * dataset split, batched, with per-class counts. Results are stored as an evaluation of the model.
 */
import { LabError } from '../../shared/errors';
import { checkModelFitsDataset } from '../../shared/model-fit';
import type { EvalSpec, EvaluationInfo, EvaluationReport } from '../../shared/schemas';
import { tf } from '../engine/backend';
import { Rng } from '../engine/random';
import { gatherBatch, limitSplit, readSplit } from '../data/dataset';
import { checkClasses, resolveAttack } from '../attacks/registry';
import { certifierForSpec } from '../certify/certify';
import { checkEpsGrid, EvaluationSuite, type SuiteOptions } from './suite';
import type { JobContext } from '../jobs/context';
import { loadStoredModel } from '../store/model-files';
import type { Model } from '../models/model';
import type { Attack, Tick, TickInfo } from '../attacks/attack';
import type { ParamValues } from '../params';
import type { SplitArrays } from '../data/dataset';

export interface EvalCounts {
  count: number;
  cleanCorrect: number;
  robustCorrect: number | null;
  perClass: { label: number; count: number; cleanCorrect: number; robustCorrect: number | null }[];
  gradEvalsPerPoint: number;
  seconds: number;
  /** Everything measured beyond the counts (see ./suite.ts). */
  report: EvaluationReport;
}

/**
 * Evaluates a model on a split, batch by batch. Shared by the job and by tests.
 * `onBatch` is called after every batch with the fraction done.
 */
export async function evaluateModel(
  model: Model,
  split: SplitArrays,
  numClasses: number,
  attack: Attack | null,
  params: ParamValues,
  opts: {
    batchSize: number;
    seed: number;
    tick: () => Promise<void>;
    /** Called at every step inside a batch with where the attack is (see inBatchProgress). */
    onTick?: (p: InBatchProgress) => void;
    onBatch?: (done: number, total: number, c: Omit<EvalCounts, 'report'>) => void;
    /** Report options (eps grid, gallery, masking checks); default: none of them. */
    suite?: Partial<SuiteOptions>;
  },
): Promise<EvalCounts> {
  const t0 = Date.now();
  const n = split.count;
  const { height: h, width: w, channels: c } = split;
  const perClass = Array.from({ length: numClasses }, (_, label) => ({
    label,
    count: 0,
    cleanCorrect: 0,
    robustCorrect: attack ? 0 : null,
  }));
  const counts: Omit<EvalCounts, 'report'> = { count: 0, cleanCorrect: 0, robustCorrect: attack ? 0 : null, perClass, gradEvalsPerPoint: 0, seconds: 0 };
  const suite = new EvaluationSuite(model, attack, params, {
    attackName: attack?.entry.name ?? 'none',
    numClasses,
    classNames: [],
    gallery: 0,
    checks: { masking: false, unbounded: false, blackBox: false },
    ...opts.suite,
  });
  let gradEvals = 0;
  for (let start = 0, b = 0; start < n; start += opts.batchSize, b++) {
    await opts.tick();
    const end = Math.min(n, start + opts.batchSize);
    const idx = Array.from({ length: end - start }, (_, i) => start + i);
    const batch = gatherBatch(split, idx);
    const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
    const y = tf.tensor1d(batch.y, 'int32');
    const prev = { done: start, robust: counts.robustCorrect ?? counts.cleanCorrect };
    const tick: Tick = (info) => {
      if (info && opts.onTick) opts.onTick(inBatchProgress(info, prev.done, prev.robust, batch.n, n));
      return opts.tick();
    };
    try {
      // Clean predictions, the attack and the report's measurements (./suite.ts).
      const r = await suite.batch(x, y, batch.y, start, new Rng(opts.seed).fork(`batch-${b}`), tick);
      const p = r.cleanPred;
      const fooled = r.fooled;
      gradEvals += r.gradEvals * batch.n;
      for (let i = 0; i < batch.n; i++) {
        const label = batch.y[i];
        if (label >= numClasses) {
          throw new LabError('shape_mismatch', `The dataset has label ${label} but the model predicts only ${numClasses} classes; evaluate it on a dataset with the same classes.`);
        }
        const pc = perClass[label];
        pc.count++;
        counts.count++;
        const clean = p[i] === label;
        if (clean) {
          pc.cleanCorrect++;
          counts.cleanCorrect++;
        }
        if (fooled) {
          const robust = clean && !fooled[i];
          if (robust) {
            pc.robustCorrect = (pc.robustCorrect ?? 0) + 1;
            counts.robustCorrect = (counts.robustCorrect ?? 0) + 1;
          }
        }
      }
    } finally {
      x.dispose();
      y.dispose();
    }
    opts.onBatch?.(end, n, counts);
  }
  counts.gradEvalsPerPoint = counts.count ? gradEvals / counts.count : 0;
  counts.seconds = (Date.now() - t0) / 1000;
  return { ...counts, report: suite.report(counts.seconds) };
}

export interface InBatchProgress {
  /** Of the whole evaluation, counting the running batch by how far its attack got. */
  fraction: number;
  imagesDone: number;
  images: number;
  /** Robust share so far: finished batches, plus the running batch's points not broken yet. */
  robustSoFar?: number;
  stage?: string;
  iteration?: number;
  iterations?: number;
  message: string;
}

/** Where an evaluation is, from a tick inside the attack on the batch of `m` images after the first `done`. */
export function inBatchProgress(info: TickInfo, done: number, robustBefore: number, m: number, total: number): InBatchProgress {
  const within = info.iterations ? Math.min(1, (info.iteration ?? 0) / info.iterations) : 0;
  const stageShare = info.stages ? (Math.min(info.stageIndex ?? 0, info.stages - 1) + within) / info.stages : within;
  const robustSoFar = info.unbroken != null && info.points === m && done + m > 0 ? (robustBefore + info.unbroken) / (done + m) : undefined;
  const parts: string[] = [];
  if (info.stage) parts.push(`${info.stage} (${(info.stageIndex ?? 0) + 1} of ${info.stages})`);
  if (info.iterations) parts.push(`step ${info.iteration ?? 0} of ${info.iterations}`);
  parts.push(`images ${done + 1}–${done + m} of ${total}`);
  return {
    fraction: total ? Math.min(1, (done + m * stageShare) / total) : 0,
    imagesDone: done,
    images: total,
    robustSoFar,
    stage: info.stage,
    iteration: info.iteration,
    iterations: info.iterations,
    message: parts.join(' · '),
  };
}

export async function runEvaluation(ctx: JobContext, spec: EvalSpec): Promise<EvaluationInfo> {
  const { store } = ctx;
  const ds = store.getDataset(spec.dataset);
  // Certification (IBP / CROWN) runs through the same loop as an attack that "breaks" every uncertified point.
  const certifier = certifierForSpec(spec);
  const { attack, params } = certifier ? { attack: certifier as Attack, params: {} as ParamValues } : resolveAttack(spec.attack);
  const { model, record } = loadStoredModel(store, spec.model);
  try {
    checkModelFitsDataset(record, ds);
    if (attack) checkClasses(attack, params, record.numClasses);
    checkEpsGrid(attack, spec.attack.name, params, spec.epsGrid);
    const split = limitSplit(readSplit(store.labDir, ds.files as never, spec.split), spec.limit);
    const t0 = Date.now();
    const counts = await evaluateModel(model, split, record.numClasses, attack, params, {
      batchSize: spec.batchSize,
      seed: spec.seed,
      tick: () => ctx.tick(),
      onTick: (p) =>
        ctx.progressSoon({
          phase: attack ? 'attack' : 'eval',
          epoch: 0,
          epochs: 0,
          step: p.imagesDone,
          steps: p.images,
          fraction: p.fraction,
          accuracy: p.robustSoFar,
          imagesPerSec: undefined,
          message: p.message,
          stage: p.stage,
          iteration: p.iteration,
          iterations: p.iterations,
          imagesDone: p.imagesDone,
          robustSoFar: p.robustSoFar,
        }),
      suite: {
        attackName: spec.attack.name,
        classNames: ds.classNames,
        epsGrid: spec.epsGrid,
        gallery: certifier ? 0 : spec.gallery,
        checks: certifier ? { masking: false, unbounded: false, blackBox: false } : spec.checks,
      },
      onBatch: (done, total, cnt) => {
        const secs = (Date.now() - t0) / 1000;
        ctx.progress({
          phase: attack ? 'attack' : 'eval',
          epoch: 0,
          epochs: 0,
          step: done,
          steps: total,
          fraction: done / total,
          accuracy: cnt.robustCorrect != null ? cnt.robustCorrect / cnt.count : cnt.cleanCorrect / cnt.count,
          imagesPerSec: secs > 0 ? done / secs : undefined,
          message: `${done} of ${total} images`,
          imagesDone: done,
          robustSoFar: cnt.robustCorrect != null ? cnt.robustCorrect / cnt.count : undefined,
        });
      },
    });
    const cleanAccuracy = counts.count ? counts.cleanCorrect / counts.count : 0;
    const robustAccuracy = counts.robustCorrect == null ? null : counts.count ? counts.robustCorrect / counts.count : 0;
    const metrics = [{ key: 'clean_accuracy', step: 0, value: cleanAccuracy }];
    if (robustAccuracy != null) metrics.push({ key: 'robust_accuracy', step: 0, value: robustAccuracy });
    if (certifier && robustAccuracy != null) metrics.push({ key: 'certified_accuracy', step: 0, value: robustAccuracy });
    metrics.push(...reportMetrics(counts.report));
    ctx.log(metrics);
    return store.insertEvaluation({
      runId: ctx.run.id,
      modelId: record.id,
      datasetId: ds.id,
      split: spec.split,
      attack: certifier ? { name: certifier.entry.name, params: { eps: spec.eps! } } : { name: spec.attack.name, params },
      count: counts.count,
      cleanAccuracy,
      robustAccuracy,
      // The typed EvaluationReport (perClass, gradEvalsPerPoint, seconds and radius as before).
      details: (certifier ? { ...counts.report, certified: certifier.details() } : counts.report) as unknown as Record<string, unknown>,
    });
  } finally {
    model.dispose();
  }
}

/** The report's headline numbers as run metrics (curves: one key per eps). */
export function reportMetrics(r: EvaluationReport): { key: string; step: number; value: number }[] {
  const out: { key: string; step: number; value: number }[] = [];
  const put = (key: string, value: number | null | undefined) => {
    if (value != null && Number.isFinite(value)) out.push({ key, step: 0, value });
  };
  put('ece_clean', r.calibration.clean.ece);
  put('ece_adversarial', r.calibration.adversarial?.ece);
  put('worst_class_accuracy', r.worstClass.clean?.accuracy);
  put('worst_class_robust_accuracy', r.worstClass.robust?.accuracy);
  if (r.attack.kind !== 'none') {
    put('attack_seconds', r.cost.attackSeconds);
    put('grad_evals_per_point', r.cost.gradEvalsPerPoint);
    put('queries_per_point', r.cost.queriesPerPoint);
  }
  put('median_perturbation', r.minimal?.median);
  put('target_success_rate', r.targeted?.successRate);
  if (r.epsCurve?.source === 'grid') for (const p of r.epsCurve.points) put(`robust_accuracy@eps=${+p.eps.toPrecision(6)}`, p.robustAccuracy);
  for (const s of r.stages ?? []) if (!s.skipped) put(`stage/${s.name}/robust_accuracy`, s.robustAccuracyAfter);
  put('masking_warnings', r.checks.ran.length ? r.checks.warnings.length : null);
  return out;
}
