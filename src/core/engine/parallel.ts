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
 * Runs in: Node (the main thread of a job worker, CLI, tests).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { tf } from './backend';
import { crossEntropy } from './ops';
import { configuredThreads } from './threads';

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

/** A per-point loss of the logits (`z`: their values, row-major); summed for the gradient. */
export type ShardLoss = (logits: tf.Tensor2D, z: Float32Array) => tf.Tensor1D;
/** Builds a named per-point loss for labels y (and targets t). */
export type ShardLossBuilder = (y: Int32Array, t: Int32Array | null) => ShardLoss;

const objectives = new Map<string, ShardLossBuilder>();

/**
 * Registers a per-point loss under a name that the calling thread and the workers both know.
 * The module that registers it must also be imported by ./parallel-worker.
 */
export function registerShardLoss(name: string, build: ShardLossBuilder): void {
  objectives.set(name, build);
}

export function shardLoss(name: string): ShardLossBuilder {
  const b = objectives.get(name);
  if (!b) throw new Error(`Internal error: no per-point loss "${name}" is registered for the parallel executor.`);
  return b;
}

registerShardLoss('ce', (y) => (logits) => tf.tidy(() => crossEntropy(logits, tf.tensor1d(y, 'int32'), 'none') as tf.Tensor1D));

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

// ---------------------------------------------------------------------------------------------
// The pool of workers

/** Messages to a worker. Offsets and lengths count float32/int32 elements of the arena. */
export type WorkerCommand = {
  op: 'forward' | 'value-and-grad' | 'param-grads';
  arena?: SharedArrayBuffer;
  model: {
    key: number;
    archName: string;
    /** A layer-list architecture's JSON (models/layer-list), which worker threads cannot look up in a store. */
    archSpec?: unknown;
    input: ShardInput;
    numClasses: number;
    /** Present when the worker must (re)load the weights: params then float buffers. */
    weights?: { name: string; shape: number[]; offset: number; length: number }[];
  };
  x: { offset: number; shape: [number, number, number, number] };
  y?: { offset: number; length: number };
  t?: { offset: number; length: number };
  objective?: string;
  paramNames?: string[];
  total?: number;
  out: number;
  /** Models the worker should forget (the calling thread no longer counts on them). */
  drop?: number[];
};
export type WorkerReply = { ok: true; value?: number; memory?: { numTensors: number; numBytes: number } } | { ok: false; error: string };
/** Asks a worker for its tfjs memory (tests). */
export type WorkerMemoryCommand = { op: 'memory' };

type Slot = {
  worker: Worker;
  port: MessagePort;
  ctrl: Int32Array;
  arena: SharedArrayBuffer;
  arenaSent: SharedArrayBuffer | null;
};

/** ctrl words: 0 = commands sent (main → worker), 1 = replies (worker → main), 2 = ready flag. */
const CTRL_CMD = 0;
const CTRL_DONE = 1;
const CTRL_READY = 2;
const START_TIMEOUT_MS = 120_000;
const CALL_TIMEOUT_MS = 600_000;
/** Models whose weights the workers keep at once (the least recently sent are dropped). */
const MAX_CACHED_MODELS = 4;

let pool: Slot[] | null = null;
let disabled: string | null = null;
const modelKeys = new WeakMap<object, number>();
let nextModelKey = 1;
/** What the workers hold: model key → the data ids of the weights they were sent. */
const sent = new Map<number, object[]>();

/** Where the worker's entry is: next to this file from source (through tsx), or in the build. */
function workerEntry(): { url: URL } | { error: string } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return { url: new URL('./parallel-boot.mjs', import.meta.url) };
  // Bundled (electron-vite): out/main/parallel-worker.js, next to this chunk or one level up.
  for (const dir of [path.dirname(here), path.dirname(path.dirname(here))]) {
    const f = path.join(dir, 'parallel-worker.js');
    if (existsSync(f)) return { url: new URL(`file://${f}`) };
  }
  return { error: `the worker script parallel-worker.js was not found next to ${here}` };
}

function startPool(threads: number): Slot[] | null {
  const entry = workerEntry();
  if ('error' in entry) {
    disabled = entry.error;
    return null;
  }
  const slots: Slot[] = [];
  try {
    for (let i = 1; i < threads; i++) {
      const ctrl = new Int32Array(new SharedArrayBuffer(16));
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(entry.url, {
        workerData: { ctrl: ctrl.buffer, port: port2, index: i },
        transferList: [port2],
        env: { ...process.env, ROBUSTLAB_THREADS: '1' },
        stdout: false,
        stderr: false,
      });
      worker.unref();
      // A worker that dies before it is ready marks itself failed so the wait below ends.
      worker.on('error', () => undefined);
      slots.push({ worker, port: port1, ctrl, arena: new SharedArrayBuffer(1 << 20), arenaSent: null });
    }
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (const s of slots) {
      while (Atomics.load(s.ctrl, CTRL_READY) === 0) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`a worker did not start within ${START_TIMEOUT_MS / 1000} s`);
        Atomics.wait(s.ctrl, CTRL_READY, 0, Math.min(left, 1000));
      }
      if (Atomics.load(s.ctrl, CTRL_READY) !== 1) {
        const m = receiveMessageOnPort(s.port)?.message as WorkerReply | undefined;
        throw new Error(m && !m.ok ? m.error : 'a worker failed to start');
      }
    }
    return slots;
  } catch (err) {
    for (const s of slots) void s.worker.terminate();
    disabled = `the parallel workers could not start (${(err as Error).message})`;
    return null;
  }
}

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
  const msPerRow = Object.fromEntries(
    [...stats].map(([k, v]) => [k, { parallel: v.parallel && Number(v.parallel.toFixed(4)), sequential: v.sequential && Number(v.sequential.toFixed(4)) }]),
  );
  return { threads: configuredThreads(), workers: pool?.length ?? 0, disabled, policy: policy(), msPerRow };
}

/** Live tensors and bytes in each running worker (tests: the workers must not leak either). */
export function parallelMemory(): { numTensors: number; numBytes: number }[] {
  if (!pool) return [];
  return pool.map((s) => {
    const expected = Atomics.load(s.ctrl, CTRL_DONE) + 1;
    s.port.postMessage({ op: 'memory' } satisfies WorkerMemoryCommand);
    Atomics.add(s.ctrl, CTRL_CMD, 1);
    Atomics.notify(s.ctrl, CTRL_CMD);
    const r = await_(s, expected);
    if (!r.ok || !r.memory) throw new Error('Internal error: a parallel worker did not report its memory.');
    return r.memory;
  });
}

/** Stops the workers (tests; a later call starts them again). */
export async function stopParallel(): Promise<void> {
  const p = pool;
  pool = null;
  sent.clear();
  disabled = null;
  if (p) await Promise.all(p.map((s) => s.worker.terminate()));
}

/** The number of shards of an N-row batch on this backend, or null (no sharding: one piece). */
function shardsFor(n: number): number | null {
  if (!isMainThread || tf.getBackend() !== 'wasm') return null;
  const threads = configuredThreads();
  if (threads < 2 || Math.floor(n / threads) < MIN_SHARD_ROWS) return null;
  return threads;
}

/** The running workers for S shards (started on first use), or null if they cannot run. */
function workersFor(shards: number): Slot[] | null {
  if (disabled) return null;
  if (!pool || pool.length !== shards - 1) {
    if (pool) void stopParallel();
    pool = startPool(shards);
  }
  return pool;
}

/**
 * Whether a call runs its shards on the workers ('parallel') or one after the other on this
 * thread ('sequential'): the numbers are the same either way, only the time differs. With
 * ROBUSTLAB_PARALLEL=auto (the default) each kind of call keeps a moving average of its time
 * per row in both modes, uses the faster, and tries the other one every PROBE_EVERY calls: on a
 * machine whose cores are busy with other programs, waiting for a worker can cost more than it
 * saves. 'always' and 'never' fix the mode.
 */
type Mode = 'parallel' | 'sequential';
type Stat = { parallel: number | null; sequential: number | null; calls: number };
const stats = new Map<string, Stat>();
const PROBE_EVERY = 12;

function policy(): 'auto' | 'always' | 'never' {
  const v = process.env.ROBUSTLAB_PARALLEL?.trim().toLowerCase();
  return v === 'always' || v === 'never' ? v : 'auto';
}

function chooseMode(key: string): Mode {
  const p = policy();
  if (p !== 'auto') return p === 'always' ? 'parallel' : 'sequential';
  let st = stats.get(key);
  if (!st) stats.set(key, (st = { parallel: null, sequential: null, calls: 0 }));
  st.calls++;
  if (st.parallel === null) return 'parallel';
  if (st.sequential === null) return 'sequential';
  const better: Mode = st.parallel <= st.sequential ? 'parallel' : 'sequential';
  if (st.calls % PROBE_EVERY === 0) return better === 'parallel' ? 'sequential' : 'parallel';
  return better;
}

function recordTime(key: string, mode: Mode, msPerRow: number): void {
  const st = stats.get(key);
  if (!st) return;
  const prev = st[mode];
  st[mode] = prev === null ? msPerRow : 0.75 * prev + 0.25 * msPerRow;
}

function keyOf(model: object): number {
  let k = modelKeys.get(model);
  if (k === undefined) {
    k = nextModelKey++;
    modelKeys.set(model, k);
  }
  return k;
}

function weightTensors(model: ShardableModel): [string, tf.Tensor][] {
  return [...model.params, ...(model.buffers ?? [])];
}

/** A zero-copy view of a float32/int32 tensor's data where the backend allows it, else a copy. */
function viewOf(t: tf.Tensor): Float32Array | Int32Array {
  const b = tf.backend() as unknown as { typedArrayFromHeap?: (t: tf.Tensor) => Float32Array | Int32Array };
  if (typeof b.typedArrayFromHeap === 'function' && (t.dtype === 'float32' || t.dtype === 'int32')) return b.typedArrayFromHeap(t);
  return t.dataSync() as Float32Array | Int32Array;
}

class Arena {
  f: Float32Array;
  i: Int32Array;
  used = 0;
  constructor(readonly slot: Slot) {
    this.f = new Float32Array(slot.arena);
    this.i = new Int32Array(slot.arena);
  }
  static ensure(slot: Slot, elements: number): Arena {
    const need = elements * 4;
    if (slot.arena.byteLength < need) {
      let size = slot.arena.byteLength;
      while (size < need) size *= 2;
      slot.arena = new SharedArrayBuffer(size);
    }
    return new Arena(slot);
  }
  take(n: number): number {
    const at = this.used;
    this.used += n;
    return at;
  }
}

type Job = {
  op: WorkerCommand['op'];
  model: ShardableModel;
  x: tf.Tensor4D;
  y?: Int32Array;
  t?: Int32Array | null;
  objective?: string;
  paramNames?: string[];
  /** Floats each worker writes back per row, and once (param grads). */
  outPerRow: number;
  outFixed: number;
};

/** Sends shard i of a job to worker slot i − 1 (does not wait). */
function post(slot: Slot, job: Job, from: number, to: number, resend: boolean, drop: number[]): number {
  const rows = to - from;
  const d = job.x.size / job.x.shape[0];
  const weights = resend ? weightTensors(job.model) : [];
  const weightFloats = weights.reduce((s, [, t]) => s + t.size, 0);
  const total = weightFloats + rows * d + 2 * rows + rows * job.outPerRow + job.outFixed;
  const a = Arena.ensure(slot, total);
  const wmeta: NonNullable<WorkerCommand['model']['weights']> = [];
  for (const [name, t] of weights) {
    const off = a.take(t.size);
    a.f.set(viewOf(t) as Float32Array, off);
    wmeta.push({ name, shape: [...t.shape], offset: off, length: t.size });
  }
  const xOff = a.take(rows * d);
  a.f.set((viewOf(job.x) as Float32Array).subarray(from * d, to * d), xOff);
  let y: WorkerCommand['y'];
  let t: WorkerCommand['t'];
  if (job.y) {
    y = { offset: a.take(rows), length: rows };
    a.i.set(job.y.subarray(from, to), y.offset);
  }
  if (job.t) {
    t = { offset: a.take(rows), length: rows };
    a.i.set(job.t.subarray(from, to), t.offset);
  }
  const out = a.take(rows * job.outPerRow + job.outFixed);
  const cmd: WorkerCommand = {
    op: job.op,
    model: {
      key: keyOf(job.model),
      archName: job.model.archName,
      archSpec: (job.model.arch as { layerList?: unknown }).layerList,
      input: job.model.input,
      numClasses: job.model.numClasses,
      weights: resend ? wmeta : undefined,
    },
    x: { offset: xOff, shape: [rows, job.x.shape[1], job.x.shape[2], job.x.shape[3]] },
    y,
    t,
    objective: job.objective,
    paramNames: job.paramNames,
    total: job.x.shape[0],
    out,
    drop: drop.length ? drop : undefined,
  };
  if (slot.arenaSent !== slot.arena) {
    cmd.arena = slot.arena;
    slot.arenaSent = slot.arena;
  }
  slot.port.postMessage(cmd);
  Atomics.add(slot.ctrl, CTRL_CMD, 1);
  Atomics.notify(slot.ctrl, CTRL_CMD);
  return out;
}

/** Waits for a worker's reply to the command posted last. */
function await_(slot: Slot, expected: number): WorkerReply {
  const deadline = Date.now() + CALL_TIMEOUT_MS;
  while (Atomics.load(slot.ctrl, CTRL_DONE) < expected) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Internal error: a parallel worker gave no answer within ${CALL_TIMEOUT_MS / 1000} s.`);
    Atomics.wait(slot.ctrl, CTRL_DONE, expected - 1, Math.min(left, 1000));
  }
  const m = receiveMessageOnPort(slot.port);
  if (!m) throw new Error('Internal error: a parallel worker signalled an answer but sent none.');
  return m.message as WorkerReply;
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
  const starting = mode === 'parallel' && !pool;
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

function record(model: ShardableModel): Record_ {
  return Object.fromEntries(weightTensors(model));
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
  return shardedForward(model, x) ?? tf.tidy(() => oneThreadForward(model)(x));
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
  const r = shardedValueAndGrad(model, x, objective, y, t);
  if (r) return r;
  return localValueAndGrad(oneThreadForward(model), x, shardLoss(objective)(y, t));
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
