/**
 * The data-parallel executor: uses every core for the three computations that dominate training
 * and attacks, on the wasm backend (which runs one thread per Node thread):
 *
 *   shardedForward       logits in eval mode
 *   shardedValueAndGrad  the input gradient of a sum of per-point losses of the logits (one PGD
 *                        step), with the logits and the per-point losses
 *   shardedParamGrads    the parameter gradient of the mean cross-entropy in training mode
 *                        (one ERM step), with the loss and the logits
 *
 * A batch of N rows is cut into T contiguous shards (T = the engine's thread count, see
 * ./threads): the calling thread computes shard 0 while T − 1 worker threads (each with its own
 * tfjs wasm backend, ./parallel-worker) compute the others at the same time. Per-point results
 * (logits, input gradients, losses) are the rows of the shards put back together: the gradient of
 * a sum of per-point losses with respect to one input row depends on that row only. Parameter
 * gradients are the sum of the shards' gradients of (their summed loss) / N, added in shard
 * order. So the numbers equal the one-thread path's up to float summation order, and the same
 * inputs with the same thread count always give the same numbers: the shards depend only on N
 * and T, never on timing. When the workers would not pay off (cores busy with other programs),
 * the same shards run one after the other on the calling thread, with the same numbers (see
 * chooseMode; ROBUSTLAB_PARALLEL=auto|always|never).
 *
 * Transfers go through SharedArrayBuffers; the threads signal each other with Atomics and pass
 * small messages with receiveMessageOnPort, so every call here is synchronous. A worker keeps
 * each model's weights and gets them again only when a parameter changed (an optimizer step
 * replaces a variable's data, which is how a change is seen).
 *
 * Each function returns null when it cannot help, and the caller computes on one thread: another
 * backend than wasm (tfjs-node and the GPU are multi-threaded already), one thread configured,
 * fewer than MIN_SHARD_ROWS rows per shard, an architecture it cannot shard (training with batch
 * norm, whose statistics are per batch), or workers that failed to start (the reason is kept in
 * parallelInfo()).
 *
 * The parts live in their own files: ./shards (shard arithmetic, the per-shard computations),
 * ./shard-losses (the registry of named per-point losses), ./worker-pool (the worker threads and
 * their messages), ./worker-arena (shared memory), ./parallel-policy (parallel or sequential).
 *
 * Runs in: Node (the main thread of a job worker, CLI, tests).
 */
import { isMainThread } from 'node:worker_threads';
import { tf } from './backend';
import { chooseMode, measuredMsPerRow, policy, recordTime } from './parallel-policy';
import { shardLoss } from './shard-losses';
import { isShardable, localParamGrads, localValueAndGrad, MIN_SHARD_ROWS, record, shardBounds, weightTensors, type Record_, type ShardableModel } from './shards';
import { configuredThreads } from './threads';
import { timeModel } from './model-time';
import { await_, CTRL_DONE, keyOf, MAX_CACHED_MODELS, poolState, post, sent, workersFor, type Job, type Slot, type WorkerReply } from './worker-pool';

// The executor's parts, each in its own file, re-exported so callers import one module.
export { isShardable, localParamGrads, localValueAndGrad, MIN_SHARD_ROWS, shardBounds, type Record_, type ShardableModel, type ShardInput } from './shards';
export { registerShardLoss, shardLoss, type ShardLoss, type ShardLossBuilder } from './shard-losses';
export { parallelMemory, stopParallel, type WorkerCommand, type WorkerMemoryCommand, type WorkerReply } from './worker-pool';


/**
 * The thread count, whether workers run (and why not), the execution policy, and per kind of
 * call the measured milliseconds per row in each mode (what 'auto' chooses from).
 */
export function parallelInfo(): {
  threads: number;
  workers: number;
  disabled: string | null;
  policy: 'auto' | 'always' | 'never';
  msPerRow: Record<string, { parallel: number | null; sequential: number | null }>;
} {
  const { workers, disabled } = poolState();
  return { threads: configuredThreads(), workers, disabled, policy: policy(), msPerRow: measuredMsPerRow() };
}

/** The number of shards of an N-row batch on this backend, or null (no sharding: one piece). */
function shardsFor(n: number): number | null {
  if (!isMainThread || tf.getBackend() !== 'wasm') return null;
  const threads = configuredThreads();
  if (threads < 2 || Math.floor(n / threads) < MIN_SHARD_ROWS) return null;
  return threads;
}

/**
 * Runs a job on its S shards and returns each shard's result, in shard order. In parallel mode
 * shards 1..S−1 go to the workers (read back with `fromWorker`) while this thread computes shard
 * 0 with `local`; in sequential mode this thread computes them all with `local`. The results are
 * the same numbers either way.
 */
function runSharded<T>(
  shards: number,
  job: Job,
  local: (from: number, to: number) => T,
  fromWorker: (slot: Slot, out: number, rows: number, reply: WorkerReply & { ok: true }) => T,
): { parts: T[]; bounds: number[] } {
  const n = job.x.shape[0];
  const bounds = shardBounds(n, shards);
  const statKey = `${job.op}/${job.model.archName}`;
  let mode = chooseMode(statKey);
  const starting = mode === 'parallel' && !poolState().running;
  const slots = mode === 'parallel' ? workersFor(shards) : null;
  if (!slots) mode = 'sequential';
  const t0 = performance.now();
  let parts: T[];
  if (mode === 'sequential') {
    parts = [];
    for (let i = 0; i < shards; i++) parts.push(local(bounds[i], bounds[i + 1]));
  } else {
    const key = keyOf(job.model);
    const ids = weightTensors(job.model).map(([, t]) => t.dataId as object);
    const last = sent.get(key);
    const resend = !last || last.length !== ids.length || last.some((d, i) => d !== ids[i]);
    const drop: number[] = [];
    sent.delete(key);
    sent.set(key, ids);
    while (sent.size > MAX_CACHED_MODELS) {
      const oldest = sent.keys().next().value as number;
      sent.delete(oldest);
      drop.push(oldest);
    }
    const expected = slots!.map((s) => Atomics.load(s.ctrl, CTRL_DONE) + 1);
    const outs = slots!.map((s, i) => post(s, job, bounds[i + 1], bounds[i + 2], resend, drop));
    let mine: T | undefined;
    let failure: unknown = null;
    try {
      mine = local(bounds[0], bounds[1]);
    } catch (err) {
      failure = err;
    }
    // Always collect the replies, so the next call starts in step with the workers.
    const replies = slots!.map((s, i) => await_(s, expected[i]));
    if (failure) throw failure;
    const bad = replies.find((r): r is { ok: false; error: string } => !r.ok);
    if (bad) {
      sent.delete(key);
      throw new Error(`A parallel worker failed: ${bad.error}`);
    }
    parts = [mine as T, ...slots!.map((s, i) => fromWorker(s, outs[i], bounds[i + 2] - bounds[i + 1], replies[i] as WorkerReply & { ok: true }))];
  }
  // The call that started the workers is not a fair sample.
  if (!starting) recordTime(statKey, mode, (performance.now() - t0) / n);
  return { parts, bounds };
}

function rowsOf(x: tf.Tensor4D, from: number, to: number): tf.Tensor4D {
  return from === 0 && to === x.shape[0] ? x : (tf.slice(x, [from, 0, 0, 0], [to - from, -1, -1, -1]) as tf.Tensor4D);
}

type F32 = Float32Array<ArrayBufferLike>;

/** Logits in eval mode, or null (run it on one thread). */
export function shardedForward(model: ShardableModel, x: tf.Tensor4D): tf.Tensor2D | null {
  const n = x.shape[0];
  const shards = isShardable(model) ? shardsFor(n) : null;
  if (!shards) return null;
  const k = model.numClasses;
  const rec = record(model);
  const job: Job = { op: 'forward', model, x, outPerRow: k, outFixed: 0 };
  const { parts, bounds } = runSharded<F32>(
    shards,
    job,
    (from, to) =>
      tf.tidy(() => {
        const xs = rowsOf(x, from, to);
        return Float32Array.from(model.arch.forward(rec, xs, model.input, { training: false }).dataSync() as Float32Array);
      }),
    (slot, out, rows) => new Float32Array(slot.arena, out * 4, rows * k),
  );
  const z = new Float32Array(n * k);
  parts.forEach((p, i) => z.set(p, bounds[i] * k));
  return tf.tensor2d(z, [n, k]);
}

/**
 * The input gradient of sum_i loss_i(logits) for the registered per-point loss `objective`, the
 * logits and the per-point losses; or null (run it on one thread).
 */
export function shardedValueAndGrad(
  model: ShardableModel,
  x: tf.Tensor4D,
  objective: string,
  y: Int32Array,
  t: Int32Array | null = null,
): { grad: tf.Tensor4D; z: Float32Array; loss: Float32Array } | null {
  const n = x.shape[0];
  const shards = isShardable(model) ? shardsFor(n) : null;
  if (!shards) return null;
  const build = shardLoss(objective);
  const k = model.numClasses;
  const d = x.size / n;
  const rec = record(model);
  const forward = (xi: tf.Tensor4D) => model.arch.forward(rec, xi, model.input, { training: false });
  const job: Job = { op: 'value-and-grad', model, x, y, t, objective, outPerRow: d + k + 1, outFixed: 0 };
  const { parts, bounds } = runSharded<{ g: F32; z: F32; loss: F32 }>(
    shards,
    job,
    (from, to) => {
      const xs = rowsOf(x, from, to);
      try {
        const r = localValueAndGrad(forward, xs, build(y.subarray(from, to), t ? t.subarray(from, to) : null));
        const g = Float32Array.from(r.grad.dataSync() as Float32Array);
        r.grad.dispose();
        return { g, z: r.z, loss: r.loss };
      } finally {
        if (xs !== x) xs.dispose();
      }
    },
    (slot, o, rows) => ({
      g: new Float32Array(slot.arena, o * 4, rows * d),
      z: new Float32Array(slot.arena, (o + rows * d) * 4, rows * k),
      loss: new Float32Array(slot.arena, (o + rows * d + rows * k) * 4, rows),
    }),
  );
  const grad = new Float32Array(n * d);
  const z = new Float32Array(n * k);
  const loss = new Float32Array(n);
  parts.forEach((p, i) => {
    grad.set(p.g, bounds[i] * d);
    z.set(p.z, bounds[i] * k);
    loss.set(p.loss, bounds[i]);
  });
  return { grad: tf.tensor4d(grad, x.shape), z, loss };
}

/** Whether the training-mode forward of this model treats rows independently (no batch norm). */
export function shardableForTraining(model: ShardableModel): boolean {
  return !model.buffers || model.buffers.size === 0;
}

/**
 * The gradient of the mean cross-entropy of forward(x, training) against y with respect to every
 * parameter (by name), the mean loss and the logits; or null (run it on one thread). The
 * gradient is Σ over shards, in shard order, of the gradient of (the shard's summed loss) / N.
 */
export function shardedParamGrads(
  model: ShardableModel,
  x: tf.Tensor4D,
  y: Int32Array,
): { loss: number; grads: Map<string, tf.Tensor>; logits: tf.Tensor2D } | null {
  const n = x.shape[0];
  if (!isShardable(model) || !shardableForTraining(model)) return null;
  const shards = shardsFor(n);
  if (!shards) return null;
  const k = model.numClasses;
  const names = [...model.params.keys()];
  const sizes = names.map((nm) => model.params.get(nm)!.size);
  const totalParams = sizes.reduce((s, v) => s + v, 0);
  const rec = record(model);
  const forward = (r: Record_, xi: tf.Tensor4D) => model.arch.forward(r, xi, model.input, { training: true });
  const job: Job = { op: 'param-grads', model, x, y, paramNames: names, outPerRow: k, outFixed: totalParams };
  const { parts, bounds } = runSharded<{ value: number; grads: F32[]; z: F32 }>(
    shards,
    job,
    (from, to) => {
      const xs = rowsOf(x, from, to);
      const ys = tf.tensor1d(y.subarray(from, to), 'int32');
      try {
        const r = localParamGrads(forward, rec, names, xs, ys, n);
        const grads = r.grads.map((g) => Float32Array.from(g.dataSync() as Float32Array));
        const z = Float32Array.from(r.logits.dataSync() as Float32Array);
        tf.dispose([...r.grads, r.logits]);
        return { value: r.value, grads, z };
      } finally {
        ys.dispose();
        if (xs !== x) xs.dispose();
      }
    },
    (slot, o, rows, reply) => {
      const grads: F32[] = [];
      let off = o + rows * k;
      for (const size of sizes) {
        grads.push(new Float32Array(slot.arena, off * 4, size));
        off += size;
      }
      return { value: reply.value ?? 0, grads, z: new Float32Array(slot.arena, o * 4, rows * k) };
    },
  );
  let loss = 0;
  const z = new Float32Array(n * k);
  const acc = sizes.map((size) => new Float32Array(size));
  parts.forEach((p, i) => {
    loss += p.value;
    z.set(p.z, bounds[i] * k);
    for (let q = 0; q < names.length; q++) {
      const a = acc[q];
      const g = p.grads[q];
      for (let j = 0; j < a.length; j++) a[j] += g[j];
    }
  });
  const grads = new Map<string, tf.Tensor>();
  names.forEach((nm, q) => grads.set(nm, tf.tensor(acc[q], model.params.get(nm)!.shape, 'float32')));
  return { loss, grads, logits: tf.tensor2d(z, [n, k]) };
}

// ---------------------------------------------------------------------------------------------
// The entry points callers use: data-parallel where it helps, else the same computation here.

/** Logits of x in eval mode, on every thread when it helps. */
export function forwardEval(model: ShardableModel, x: tf.Tensor4D): tf.Tensor2D {
  return timeModel('forward', x.shape[0], () => shardedForward(model, x) ?? tf.tidy(() => oneThreadForward(model)(x)));
}

/** The eval-mode forward pass on this thread: the model's own, else its architecture's. */
function oneThreadForward(model: ShardableModel): (x: tf.Tensor4D) => tf.Tensor2D {
  if (typeof model.forward === 'function') return (x) => model.forward!(x, { training: false });
  const rec = record(model);
  return (x) => model.arch.forward(rec, x, model.input, { training: false });
}

/**
 * The input gradient of sum_i loss_i for the registered per-point loss `objective` ('ce', or
 * 'attack:<name>' from attacks/losses), with the logits and the per-point losses.
 */
export function valueAndInputGrad(
  model: ShardableModel,
  x: tf.Tensor4D,
  objective: string,
  y: Int32Array,
  t: Int32Array | null = null,
): { grad: tf.Tensor4D; z: Float32Array; loss: Float32Array } {
  return timeModel('grad', x.shape[0], () => shardedValueAndGrad(model, x, objective, y, t) ?? localValueAndGrad(oneThreadForward(model), x, shardLoss(objective)(y, t)));
}

/**
 * The gradients (by parameter name) of the mean cross-entropy of the training-mode logits
 * against y, the loss and the logits. The caller disposes the gradients and the logits.
 */
export function crossEntropyGrads(model: ShardableModel, x: tf.Tensor4D, y: Int32Array): { loss: number; grads: Map<string, tf.Tensor>; logits: tf.Tensor2D } {
  const r = shardedParamGrads(model, x, y);
  if (r) return r;
  const names = [...model.params.keys()];
  const ys = tf.tensor1d(y, 'int32');
  try {
    const l = localParamGrads((rec, xi) => model.arch.forward(rec, xi, model.input, { training: true }), record(model), names, x, ys, x.shape[0]);
    return { loss: l.value, grads: new Map(names.map((n, i) => [n, l.grads[i]])), logits: l.logits };
  } finally {
    ys.dispose();
  }
}
