/**
 * A worker thread of the data-parallel executor (./parallel): starts its own tfjs wasm backend
 * (with the engine's kernels), then serves commands from the calling thread, one at a time:
 * waits on the control word with Atomics, reads the command with receiveMessageOnPort, computes
 * its shard with the same functions the calling thread uses for shard 0, writes the results into
 * the shared arena and signals back. It keeps each model's weights until told to drop them.
 *
 * Runs in: a Node worker_thread started by ./parallel.
 */
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { initEngine, tf } from './backend';
import { localParamGrads, localValueAndGrad, shardLoss, type Record_, type WorkerCommand, type WorkerMemoryCommand, type WorkerReply } from './parallel';
import { getArchitecture } from '../models/registry';
import { useLayerList } from '../models/stored';
// Per-point losses the attacks register (./parallel registerShardLoss) must exist here too.
import '../attacks/losses';

const ctrl = new Int32Array(workerData.ctrl as SharedArrayBuffer);
const port = workerData.port as MessagePort;

type Held = { archName: string; rec: Record_ };
const models = new Map<number, Held>();
let arena: SharedArrayBuffer | null = null;

function floats(offset: number, length: number): Float32Array {
  return new Float32Array(arena!, offset * 4, length);
}

function ints(offset: number, length: number): Int32Array {
  return new Int32Array(arena!, offset * 4, length);
}

function drop(key: number): void {
  const m = models.get(key);
  if (!m) return;
  tf.dispose(Object.values(m.rec));
  models.delete(key);
}

function modelFor(c: WorkerCommand): Held {
  const { key, archName, weights } = c.model;
  if (weights) {
    drop(key);
    const rec: Record_ = {};
    for (const w of weights) rec[w.name] = tf.tensor(floats(w.offset, w.length), w.shape, 'float32');
    models.set(key, { archName, rec });
  }
  const m = models.get(key);
  if (!m) throw new Error(`Internal error: the worker has no weights for model ${key}.`);
  return m;
}

function handle(c: WorkerCommand): WorkerReply {
  if (c.arena) arena = c.arena;
  for (const k of c.drop ?? []) drop(k);
  const m = modelFor(c);
  const arch = c.model.archSpec ? useLayerList(c.model.archSpec) : getArchitecture(m.archName);
  const input = c.model.input;
  const [rows, h, w, ch] = c.x.shape;
  const d = h * w * ch;
  const k = c.model.numClasses;
  return tf.tidy(() => {
    const x = tf.tensor4d(floats(c.x.offset, rows * d), c.x.shape);
    if (c.op === 'forward') {
      const z = arch.forward(m.rec, x, input, { training: false });
      floats(c.out, rows * k).set(z.dataSync() as Float32Array);
      return { ok: true } as WorkerReply;
    }
    const y = ints(c.y!.offset, c.y!.length);
    if (c.op === 'value-and-grad') {
      const t = c.t ? ints(c.t.offset, c.t.length) : null;
      const forward = (xi: tf.Tensor4D) => arch.forward(m.rec, xi, input, { training: false });
      const r = localValueAndGrad(forward, x, shardLoss(c.objective!)(Int32Array.from(y), t ? Int32Array.from(t) : null));
      floats(c.out, rows * d).set(r.grad.dataSync() as Float32Array);
      floats(c.out + rows * d, rows * k).set(r.z);
      floats(c.out + rows * d + rows * k, rows).set(r.loss);
      return { ok: true } as WorkerReply;
    }
    const names = c.paramNames!;
    const forward = (rec: Record_, xi: tf.Tensor4D) => arch.forward(rec, xi, input, { training: true });
    const r = localParamGrads(forward, m.rec, names, x, tf.tensor1d(Int32Array.from(y), 'int32'), c.total!);
    floats(c.out, rows * k).set(r.logits.dataSync() as Float32Array);
    r.logits.dispose(); // kept (tf.keep) inside the gradient, so the tidy above does not free it
    let off = c.out + rows * k;
    for (const g of r.grads) {
      floats(off, g.size).set(g.dataSync() as Float32Array);
      off += g.size;
    }
    return { ok: true, value: r.value } as WorkerReply;
  });
}

function reply(r: WorkerReply): void {
  port.postMessage(r);
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}

async function main(): Promise<void> {
  try {
    const info = await initEngine({ force: 'wasm' });
    if (info.name !== 'wasm') throw new Error(`the worker started ${info.name} instead of wasm`);
  } catch (err) {
    port.postMessage({ ok: false, error: (err as Error).message } satisfies WorkerReply);
    Atomics.store(ctrl, 2, 2);
    Atomics.notify(ctrl, 2);
    return;
  }
  Atomics.store(ctrl, 2, 1);
  Atomics.notify(ctrl, 2);
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, 0, seen);
    seen = Atomics.load(ctrl, 0);
    const msg = receiveMessageOnPort(port);
    if (!msg) continue;
    let r: WorkerReply;
    try {
      const c = msg.message as WorkerCommand | WorkerMemoryCommand;
      if (c.op === 'memory') {
        const m = tf.memory();
        r = { ok: true, memory: { numTensors: m.numTensors, numBytes: m.numBytes } };
      } else {
        r = handle(c);
      }
    } catch (err) {
      r = { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
    reply(r);
  }
}

void main();
