/**
 * Shard arithmetic and the computations of one shard, for the data-parallel executor
 * (./parallel): which models may be sharded, how an N-row batch is cut into T contiguous shards,
 * and the per-shard forward/gradient code that runs the same on the calling thread and in the
 * worker threads (./parallel-worker).
 *
 * Runs in: Node (the main thread of a job worker, CLI, tests, and the engine's worker threads).
 */
import { tf } from './backend';
import { crossEntropy } from './ops';
import type { ShardLoss } from './shard-losses';

/** The parts of a Model the executor reads (models/model.ts's Model has them). */
export interface ShardableModel {
  readonly archName: string;
  readonly arch: {
    forward(p: Record<string, tf.Tensor>, x: tf.Tensor4D, input: ShardInput, opts?: { training?: boolean }): tf.Tensor2D;
  };
  readonly input: ShardInput;
  readonly numClasses: number;
  readonly params: Map<string, tf.Variable>;
  readonly buffers?: Map<string, tf.Variable>;
  /** The model's own forward pass (used on one thread, so a wrapper's forward is respected). */
  forward?(x: tf.Tensor4D, opts?: { training?: boolean }): tf.Tensor2D;
}

/**
 * Whether the executor may compute this model from its architecture and parameters: a model
 * object of a class (models/model.ts's Model), not a plain object that only looks like one (tests
 * and the masking checks wrap a model's forward in one; running the architecture directly would
 * bypass the wrapper).
 */
export function isShardable(model: ShardableModel): boolean {
  const m = model as Partial<ShardableModel>;
  return (
    typeof m.arch?.forward === 'function' &&
    m.params instanceof Map &&
    !!m.input &&
    typeof m.archName === 'string' &&
    Object.getPrototypeOf(model) !== Object.prototype &&
    !Object.prototype.hasOwnProperty.call(model, 'forward')
  );
}
export type ShardInput = { height: number; width: number; channels: number };

/** Each shard gets at least this many rows, else the batch runs on one thread. */
export const MIN_SHARD_ROWS = 8;

/** The row ranges [start, end) of the T shards of an N-row batch. */
export function shardBounds(n: number, threads: number): number[] {
  const b: number[] = [];
  for (let i = 0; i <= threads; i++) b.push(Math.floor((i * n) / threads));
  return b;
}

// ---------------------------------------------------------------------------------------------
// The computations of one shard: the same code runs on the calling thread and in the workers.

export type Record_ = Record<string, tf.Tensor>;

export function localValueAndGrad(
  forward: (x: tf.Tensor4D) => tf.Tensor2D,
  x: tf.Tensor4D,
  lossOf: ShardLoss,
): { grad: tf.Tensor4D; z: Float32Array; loss: Float32Array } {
  let z: Float32Array = new Float32Array(0);
  let kept: tf.Tensor | null = null;
  const grad = tf.tidy(() =>
    tf.grad((xi: tf.Tensor) => {
      const logits = forward(xi as tf.Tensor4D);
      z = Float32Array.from(logits.dataSync() as Float32Array);
      const l = lossOf(logits, z);
      kept = tf.keep(l);
      return tf.sum(l) as tf.Scalar;
    })(x) as tf.Tensor4D,
  );
  const k = kept as unknown as tf.Tensor;
  const loss = Float32Array.from(k.dataSync() as Float32Array);
  k.dispose();
  return { grad, z, loss };
}

/** Gradients of sum(CE(forward_training(x), y)) / total with respect to the named tensors of rec. */
export function localParamGrads(
  forward: (rec: Record_, x: tf.Tensor4D) => tf.Tensor2D,
  rec: Record_,
  names: string[],
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  total: number,
): { value: number; grads: tf.Tensor[]; logits: tf.Tensor2D } {
  let logits: tf.Tensor2D | null = null;
  const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
    const r: Record_ = { ...rec };
    names.forEach((n, i) => (r[n] = ps[i]));
    const out = forward(r, x);
    logits = tf.keep(out);
    return tf.div(tf.sum(crossEntropy(out, y, 'none')), total) as tf.Scalar;
  })(names.map((n) => rec[n]));
  const v = value.dataSync()[0];
  value.dispose();
  return { value: v, grads, logits: logits! };
}


export function weightTensors(model: ShardableModel): [string, tf.Tensor][] {
  return [...model.params, ...(model.buffers ?? [])];
}

/** The model's weights (parameters, then buffers) by name. */
export function record(model: ShardableModel): Record_ {
  return Object.fromEntries(weightTensors(model));
}
