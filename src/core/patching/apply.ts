/**
 * Applying signatures to a model: the rules (written once, here), the patch itself
 * θ_t[l] ← θ_t[l] + Σ α_c·s_c[l] (α linear; remove = −α), batch-norm re-estimation, and a small
 * accuracy measurement for estimates and sweeps.
 *
 * Runs in: Node (core) — the facade (estimates, saving) and the patch-sweep worker.
 */
import { tf } from '../engine/backend';
import { LabError } from '../../shared/errors';
import { MAX_ALPHA } from '../../shared/patching';
import { gatherBatch, type SplitArrays } from '../data/dataset';
import { Model, type TorchTensor } from '../models/model';
import type { LabStore, ModelRecord, SignatureRecord } from '../store/store';
import { addScaled } from './math';

function fmtShape(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** |α| ≤ MAX_ALPHA and finite. */
export function checkAlpha(alpha: number, what = 'α'): void {
  if (!Number.isFinite(alpha) || Math.abs(alpha) > MAX_ALPHA) {
    throw new LabError('bad_input', `${what} is ${alpha}; choose a value between −${MAX_ALPHA} and ${MAX_ALPHA}.`);
  }
}

/** The model and its ancestors (parent_id chain: fine-tuning and patching), nearest first. */
export function ancestry(store: LabStore, model: ModelRecord): string[] {
  const out = [model.id];
  let cur: ModelRecord = model;
  while (cur.parentId && !out.includes(cur.parentId) && out.length < 1000) {
    out.push(cur.parentId);
    try {
      cur = store.getModel(cur.parentId);
    } catch {
      break;
    }
  }
  return out;
}

/**
 * A signature may patch a target of the same architecture, image size and classes that is its
 * base or descends from it (fine-tuned from the base, even on another dataset, or patched).
 */
export function checkSignatureFits(store: LabStore, sig: SignatureRecord, target: ModelRecord): void {
  if (sig.arch !== target.arch) {
    throw new LabError('shape_mismatch', `Signature "${sig.name}" was extracted from a ${sig.arch} model, but "${target.name}" is ${target.arch}; patch a model of the same architecture.`);
  }
  if (sig.inputShape.join('×') !== target.inputShape.join('×') || sig.numClasses !== target.numClasses) {
    throw new LabError(
      'shape_mismatch',
      `Signature "${sig.name}" fits ${sig.inputShape.join('×')} images and ${sig.numClasses} classes, but "${target.name}" takes ${target.inputShape.join('×')} images and ${target.numClasses} classes.`,
    );
  }
  if (!ancestry(store, target).includes(sig.baseModelId)) {
    let baseName = sig.baseModelId;
    try {
      baseName = store.getModel(sig.baseModelId).name;
    } catch {
      // keep the id
    }
    throw new LabError(
      'bad_input',
      `Signature "${sig.name}" comes from base model "${baseName}", and "${target.name}" was not fine-tuned from it; patch a model that descends from "${baseName}".`,
    );
  }
}

export interface PatchTermTensors {
  name: string;
  alpha: number;
  tensors: Record<string, TorchTensor>;
}

/**
 * θ_t + Σ α·s over the parameters each signature holds; every other tensor (and every buffer)
 * untouched. Refuses missing parameters and shape mismatches; α must pass checkAlpha.
 */
export function patchTensors(target: Record<string, TorchTensor>, terms: PatchTermTensors[]): Record<string, TorchTensor> {
  const byParam = new Map<string, { alpha: number; s: Float32Array }[]>();
  for (const t of terms) {
    checkAlpha(t.alpha, `α of signature "${t.name}"`);
    for (const [p, s] of Object.entries(t.tensors)) {
      const have = target[p];
      if (!have) throw new LabError('shape_mismatch', `Signature "${t.name}" patches layer tensor "${p}", which the target model does not have.`);
      if (have.shape.join(',') !== s.shape.join(',')) {
        throw new LabError('shape_mismatch', `Signature "${t.name}" holds "${p}" with shape ${fmtShape(s.shape)}, but the target's is ${fmtShape(have.shape)}.`);
      }
      const list = byParam.get(p) ?? [];
      list.push({ alpha: t.alpha, s: s.data });
      byParam.set(p, list);
    }
  }
  const out: Record<string, TorchTensor> = {};
  for (const [name, t] of Object.entries(target)) {
    const add = byParam.get(name);
    out[name] = add ? { shape: [...t.shape], data: addScaled(t.data, add) } : t;
  }
  return out;
}

/** A new model: `model`'s weights patched (the original is not changed). */
export function patchModel(model: Model, terms: PatchTermTensors[]): Model {
  const patched = patchTensors(model.toTorchTensors(), terms);
  return Model.fromTorchTensors(model.archName, patched, model.input, model.numClasses);
}

/**
 * Re-estimates every batch-norm layer's running statistics on `split` (its first `count` images,
 * batches of `batchSize`): each batch goes through the network in training mode (batch norm uses
 * the batch's statistics, as during training) and the running mean and variance become the plain
 * average of the batch means and unbiased batch variances (PyTorch's momentum=None). Parameters
 * are untouched. Returns the number of images used (0 when the model has no batch norm).
 */
export function reestimateBatchNorm(model: Model, split: SplitArrays, count: number, batchSize = 128): number {
  if (model.bufferDefs().length === 0) return 0;
  const n = Math.min(count, split.count);
  if (n < 2) throw new LabError('bad_input', 'Re-estimating batch-norm statistics needs at least 2 images.');
  const sums = new Map<string, { mean: Float64Array; variance: Float64Array; batches: number }>();
  const record = model.tensorsByName();
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    if (size < 2) break; // one image has no variance
    const idx = Array.from({ length: size }, (_, i) => start + i);
    const { x } = gatherBatch(split, idx);
    tf.tidy(() => {
      const xt = tf.tensor4d(x, [size, split.height, split.width, split.channels]);
      model.arch.forward(record, xt, model.input, {
        training: true,
        batchStats: (layer, mean, unbiasedVar) => {
          const m = mean.dataSync();
          const v = unbiasedVar.dataSync();
          let acc = sums.get(layer);
          if (!acc) {
            acc = { mean: new Float64Array(m.length), variance: new Float64Array(v.length), batches: 0 };
            sums.set(layer, acc);
          }
          for (let i = 0; i < m.length; i++) {
            acc.mean[i] += m[i];
            acc.variance[i] += v[i];
          }
          acc.batches += 1;
        },
      });
    });
  }
  for (const [layer, acc] of sums) {
    const rm = model.buffers.get(`${layer}.running_mean`);
    const rv = model.buffers.get(`${layer}.running_var`);
    if (!rm || !rv) throw new Error(`Internal error: batch norm layer ${layer} has no running statistics.`);
    const mean = Float32Array.from(acc.mean, (v) => v / acc.batches);
    const variance = Float32Array.from(acc.variance, (v) => v / acc.batches);
    tf.tidy(() => {
      rm.assign(tf.tensor1d(mean));
      rv.assign(tf.tensor1d(variance));
    });
  }
  return n;
}

/** Predicted classes of the first `limit` images of a split. */
export function predict(model: Model, split: SplitArrays, limit: number, batchSize = 256): Int32Array {
  const n = Math.min(limit, split.count);
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const { x } = gatherBatch(split, Array.from({ length: size }, (_, i) => start + i));
    const pred = tf.tidy(() => tf.argMax(model.forward(tf.tensor4d(x, [size, split.height, split.width, split.channels])), 1).dataSync() as Int32Array);
    out.set(pred, start);
  }
  return out;
}

/** Accuracy on the first `limit` images of a split. */
export function accuracy(model: Model, split: SplitArrays, limit: number): number {
  const p = predict(model, split, limit);
  let correct = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === split.labels[i]) correct++;
  return p.length ? correct / p.length : NaN;
}
