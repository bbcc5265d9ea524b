/**
 * End-of-epoch checkpoints, so an interrupted, cancelled or finished run can be resumed (or
 * extended) exactly: model weights, optimizer state, the method's per-run state, the epoch and
 * the best-so-far bookkeeping. One safetensors file per run, `<lab>/checkpoints/<runId>.safetensors`
 * (tfjs layouts; the JSON metadata under the key "robustlab"), written to a temporary name and
 * renamed, so a crash never leaves half a checkpoint.
 *
 * Runs in: Node (core).
 */
import fs from 'node:fs';
import path from 'node:path';
import { tf } from '../engine/backend';
import { LabError } from '../../shared/errors';
import type { TrainSpec } from '../../shared/schemas';
import { writeFileAtomic } from '../data/npy';
import type { Model } from '../models/model';
import { decodeSafetensors, encodeSafetensors } from '../models/safetensors';
import type { OptimizerState } from './optim';

export type Arrays = Record<string, { shape: number[]; data: Float32Array }>;

export interface CheckpointMeta {
  format: 'robustlab-checkpoint-1';
  runId: string;
  spec: TrainSpec;
  /** Epochs completed. */
  epoch: number;
  /** Global steps completed. */
  step: number;
  archName: string;
  numClasses: number;
  methodState: Record<string, unknown>;
  optimizerNumbers: Record<string, number>;
  best: { epoch: number; value: number } | null;
  /** Epochs since the best one (early stopping). */
  sinceBest: number;
}

export interface Checkpoint {
  meta: CheckpointMeta;
  weights: Arrays;
  optimizer: OptimizerState;
  bestWeights: Arrays | null;
}

export function checkpointPath(labDir: string, runId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(runId)) throw new LabError('bad_input', `"${runId}" is not a run id.`);
  return path.join(labDir, 'checkpoints', `${runId}.safetensors`);
}

/**
 * Whether a run can be continued, and why not: the one rule behind "Continue training" (the
 * button is offered only when this says yes) and the submit-time check of `resumeFrom`.
 */
export function resumeProblem(labDir: string, run: { kind: string; name: string; id: string; status: string }): string | null {
  if (run.kind !== 'train') return `Run "${run.name}" is not a training run, so there is nothing to continue.`;
  if (run.status === 'queued' || run.status === 'running') return `Run "${run.name}" is still going; it can be continued once it has ended.`;
  if (!fs.existsSync(checkpointPath(labDir, run.id))) {
    return `Run "${run.name}" has no checkpoint to resume from: it ended before its first epoch finished, so start it again from the Train page.`;
  }
  return null;
}

/** The model's weights as plain arrays (tfjs layouts), batch norm buffers included. */
export function weightArrays(model: Model): Arrays {
  const out: Arrays = {};
  for (const [name, v] of model.params) out[name] = { shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) };
  Object.assign(out, model.bufferArrays());
  return out;
}

/** Writes arrays back into the model's variables. */
export function loadWeightArrays(model: Model, w: Arrays): void {
  for (const [name, v] of model.params) {
    const a = w[name];
    if (!a || a.data.length !== v.size) {
      throw new LabError('bad_file', `The checkpoint has no usable values for parameter "${name}"; it does not belong to this model.`);
    }
    const t = tf.tensor(a.data, v.shape, 'float32');
    v.assign(t);
    t.dispose();
  }
  model.loadBufferArrays(w);
}

export function saveCheckpoint(labDir: string, c: Checkpoint): void {
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [k, a] of Object.entries(c.weights)) tensors[`model.${k}`] = a;
  for (const [k, a] of Object.entries(c.optimizer.tensors)) tensors[`opt.${k}`] = a;
  for (const [k, a] of Object.entries(c.bestWeights ?? {})) tensors[`best.${k}`] = a;
  const meta: CheckpointMeta = { ...c.meta, optimizerNumbers: c.optimizer.numbers };
  const file = checkpointPath(labDir, c.meta.runId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, encodeSafetensors(tensors, { robustlab: JSON.stringify(meta) }));
}

export function loadCheckpoint(labDir: string, runId: string): Checkpoint {
  const file = checkpointPath(labDir, runId);
  if (!fs.existsSync(file)) {
    throw new LabError('not_found', `Run "${runId}" has no checkpoint to resume from (it ended before finishing its first epoch, or was trained before checkpoints existed).`);
  }
  const { tensors, metadata } = decodeSafetensors(fs.readFileSync(file));
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(metadata.robustlab ?? '') as CheckpointMeta;
  } catch {
    throw new LabError('bad_file', `The checkpoint of run "${runId}" is damaged (no readable metadata).`);
  }
  if (meta.format !== 'robustlab-checkpoint-1') throw new LabError('bad_file', `The checkpoint of run "${runId}" has an unknown format.`);
  const weights: Arrays = {};
  const opt: Arrays = {};
  const best: Arrays = {};
  for (const [k, t] of Object.entries(tensors)) {
    const a = { shape: t.shape, data: t.data };
    if (k.startsWith('model.')) weights[k.slice(6)] = a;
    else if (k.startsWith('opt.')) opt[k.slice(4)] = a;
    else if (k.startsWith('best.')) best[k.slice(5)] = a;
  }
  return { meta, weights, optimizer: { tensors: opt, numbers: meta.optimizerNumbers ?? {} }, bestWeights: Object.keys(best).length ? best : null };
}

/**
 * A stored architecture was renamed (core/store/architecture-store): the run's checkpoint names the
 * new one, so the run, whose spec now names it too, can still be continued. A missing or
 * unreadable checkpoint is left alone (resuming it says why).
 */
export function renameArchInCheckpoint(labDir: string, runId: string, from: string, to: string): void {
  const file = checkpointPath(labDir, runId);
  if (!fs.existsSync(file)) return;
  try {
    const { tensors, metadata } = decodeSafetensors(fs.readFileSync(file));
    const meta = JSON.parse(metadata.robustlab ?? 'null') as CheckpointMeta | null;
    if (!meta || meta.spec?.arch !== from) return;
    const next: CheckpointMeta = { ...meta, spec: { ...meta.spec, arch: to }, archName: meta.archName === from ? to : meta.archName };
    writeFileAtomic(file, encodeSafetensors(tensors, { ...metadata, robustlab: JSON.stringify(next) }));
  } catch (err) {
    if (!(err instanceof LabError) && !(err instanceof SyntaxError)) throw err;
  }
}

/** Spec fields that must match for a resumed run to continue the same training. */
const SAME: (keyof TrainSpec)[] = ['dataset', 'arch', 'method', 'methodParams', 'batchSize', 'optimizer', 'schedule', 'seed', 'limit', 'valFraction', 'warmupEpochs', 'initModel'];

/** Throws a LabError naming the first field where `spec` differs from the checkpoint's spec. */
export function checkResumable(spec: TrainSpec, meta: CheckpointMeta): void {
  for (const key of SAME) {
    const a = JSON.stringify(spec[key] ?? null);
    const b = JSON.stringify(meta.spec[key] ?? null);
    if (a !== b) {
      throw new LabError('bad_input', `Cannot resume run "${meta.runId}" with a different ${key} (${b} before, ${a} now); keep the original settings and change only the epochs.`);
    }
  }
  if (spec.epochs <= meta.epoch) {
    throw new LabError('bad_input', `Run "${meta.runId}" already completed ${meta.epoch} epochs; ask for more than ${meta.epoch} epochs to continue it.`);
  }
}
