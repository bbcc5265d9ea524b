/**
 * What training measures besides the loss: the validation split, and the per-epoch robust
 * metrics on the first N points (PGD accuracy; certified accuracy by IBP or CROWN) that the UI
 * charts live next to the clean accuracy.
 *
 * Runs in: Node (core).
 */
import { tf } from '../engine/backend';
import { Rng } from '../engine/random';
import { LabError } from '../../shared/errors';
import { epochSelection, monitorCertify, monitorMeasures } from '../../shared/methods';
import type { MonitorSpec, TrainSpec } from '../../shared/schemas';
import { pgd } from '../attacks/pgd';
import { certifyBatch, type CertifyMethod } from '../certify/certify';
import { gatherBatch, limitSplit, type SplitArrays } from '../data/dataset';
import type { Model } from '../models/model';
import type { ParamValues } from '../params';
import type { TrainMethod } from './methods/method';

/** Holds out round(fraction·N) examples (a seeded random choice) as a validation split. */
export function splitValidation(s: SplitArrays, fraction: number, seed: number): { train: SplitArrays; val: SplitArrays | null } {
  const nVal = Math.round(fraction * s.count);
  if (!(nVal > 0)) return { train: s, val: null };
  const perm = new Rng(seed).fork('validation-split').permutation(s.count);
  const valIdx = Array.from(perm.subarray(0, nVal)).sort((a, b) => a - b);
  const isVal = new Uint8Array(s.count);
  for (const i of valIdx) isVal[i] = 1;
  const trainIdx: number[] = [];
  for (let i = 0; i < s.count; i++) if (!isVal[i]) trainIdx.push(i);
  return { train: subset(s, trainIdx), val: subset(s, valIdx) };
}

function subset(s: SplitArrays, idx: number[]): SplitArrays {
  const per = s.height * s.width * s.channels;
  const images = new Uint8Array(idx.length * per);
  const labels = s.labels instanceof Int32Array ? new Int32Array(idx.length) : new Uint8Array(idx.length);
  idx.forEach((i, j) => {
    images.set(s.images.subarray(i * per, (i + 1) * per), j * per);
    labels[j] = s.labels[i];
  });
  return { ...s, images, labels, count: idx.length };
}

export interface MonitorConfig {
  count: number;
  eps: number;
  pgdSteps: number;
  certify: 'none' | CertifyMethod;
}

/**
 * The metric that chooses epochs (early stopping, best checkpoint) or null, after checking the
 * spec asks for something it can measure.
 */
export function selectionMetric(spec: TrainSpec, method: TrainMethod, params: ParamValues): 'clean' | 'robust' | 'certified' | 'loss' | null {
  const measures = monitorMeasures(spec.monitor, method.entry);
  const { selection, problem } = epochSelection(spec.earlyStopping?.metric, spec.keepBest, measures);
  if (problem) throw new LabError('bad_input', problem);
  void params;
  return selection;
}

export function resolveMonitor(spec: MonitorSpec | undefined, method: TrainMethod, params: ParamValues): MonitorConfig | null {
  if (!spec) return null;
  return {
    count: spec.count,
    eps: spec.eps ?? method.monitorEps?.(params) ?? 0.1,
    pgdSteps: spec.pgdSteps,
    certify: monitorCertify(spec, method.entry),
  };
}

/** PGD accuracy and certified accuracy on the first cfg.count points of a split. */
export async function robustMetrics(
  model: Model,
  split: SplitArrays,
  cfg: MonitorConfig,
  seed: number,
  tick: () => Promise<void>,
): Promise<{ pgdAccuracy: number | null; certifiedAccuracy: number | null }> {
  const s = limitSplit(split, cfg.count);
  const { height: h, width: w, channels: c } = s;
  let robust = 0;
  let certified = 0;
  const B = 200;
  for (let start = 0, b = 0; start < s.count; start += B, b++) {
    await tick();
    const idx = Array.from({ length: Math.min(B, s.count - start) }, (_, i) => start + i);
    const batch = gatherBatch(s, idx);
    const x = tf.tensor4d(batch.x, [batch.n, h, w, c]);
    const y = tf.tensor1d(batch.y, 'int32');
    try {
      if (cfg.pgdSteps > 0) {
        const res = await pgd.run(model, x, y, { eps: cfg.eps, steps: cfg.pgdSteps, stepSize: 0, restarts: 1, randomStart: true }, { rng: new Rng(seed).fork(`monitor-${b}`), tick });
        res.xAdv.dispose();
        for (const f of res.fooled) if (!f) robust++;
      }
      if (cfg.certify !== 'none') {
        const r = await certifyBatch(model, x, y, cfg.eps, cfg.certify, { tick });
        for (const k of r.certified) certified += k;
      }
    } finally {
      x.dispose();
      y.dispose();
    }
  }
  return {
    pgdAccuracy: cfg.pgdSteps > 0 && s.count ? robust / s.count : null,
    certifiedAccuracy: cfg.certify !== 'none' && s.count ? certified / s.count : null,
  };
}
