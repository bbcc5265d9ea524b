/**
 * The pool of worker threads of the data-parallel executor (./parallel): starting and stopping
 * them, the command and reply messages, posting one shard of a job to a worker through its
 * arena, waiting for the reply, and which models' weights each worker already holds.
 *
 * Runs in: Node (the main thread of a job worker, CLI, tests).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { tf } from './backend';
import { Arena, viewOf } from './worker-arena';
import { weightTensors, type ShardableModel, type ShardInput } from './shards';

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

export type Slot = {
  worker: Worker;
  port: MessagePort;
  ctrl: Int32Array;
  arena: SharedArrayBuffer;
  arenaSent: SharedArrayBuffer | null;
};

/** ctrl words: 0 = commands sent (main → worker), 1 = replies (worker → main), 2 = ready flag. */
export const CTRL_CMD = 0;
export const CTRL_DONE = 1;
export const CTRL_READY = 2;
export const START_TIMEOUT_MS = 120_000;
export const CALL_TIMEOUT_MS = 600_000;
/** Models whose weights the workers keep at once (the least recently sent are dropped). */
export const MAX_CACHED_MODELS = 4;

let pool: Slot[] | null = null;
let disabled: string | null = null;
const modelKeys = new WeakMap<object, number>();
let nextModelKey = 1;
/** What the workers hold: model key → the data ids of the weights they were sent. */
export const sent = new Map<number, object[]>();

/** Whether the workers are running, how many, and why not when they cannot. */
export function poolState(): { running: boolean; workers: number; disabled: string | null } {
  return { running: !!pool, workers: pool?.length ?? 0, disabled };
}

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

/** The running workers for S shards (started on first use), or null if they cannot run. */
export function workersFor(shards: number): Slot[] | null {
  if (disabled) return null;
  if (!pool || pool.length !== shards - 1) {
    if (pool) void stopParallel();
    pool = startPool(shards);
  }
  return pool;
}

export function keyOf(model: object): number {
  let k = modelKeys.get(model);
  if (k === undefined) {
    k = nextModelKey++;
    modelKeys.set(model, k);
  }
  return k;
}

export type Job = {
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
export function post(slot: Slot, job: Job, from: number, to: number, resend: boolean, drop: number[]): number {
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
export function await_(slot: Slot, expected: number): WorkerReply {
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
