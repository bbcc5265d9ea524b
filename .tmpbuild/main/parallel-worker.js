import { workerData, receiveMessageOnPort } from "node:worker_threads";
import { i as initEngine, g as getArchitecture, l as localValueAndGrad, s as shardLoss, a as localParamGrads } from "./chunks/losses-Bh5FtoXR.js";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import "node:child_process";
import "node:module";
import "node:fs";
import "node:os";
import "node:path";
import "node:url";
const ctrl = new Int32Array(workerData.ctrl);
const port = workerData.port;
const models = /* @__PURE__ */ new Map();
let arena = null;
function floats(offset, length) {
  return new Float32Array(arena, offset * 4, length);
}
function ints(offset, length) {
  return new Int32Array(arena, offset * 4, length);
}
function drop(key) {
  const m = models.get(key);
  if (!m) return;
  tf.dispose(Object.values(m.rec));
  models.delete(key);
}
function modelFor(c) {
  const { key, archName, weights } = c.model;
  if (weights) {
    drop(key);
    const rec = {};
    for (const w of weights) rec[w.name] = tf.tensor(floats(w.offset, w.length), w.shape, "float32");
    models.set(key, { archName, rec });
  }
  const m = models.get(key);
  if (!m) throw new Error(`Internal error: the worker has no weights for model ${key}.`);
  return m;
}
function handle(c) {
  if (c.arena) arena = c.arena;
  for (const k2 of c.drop ?? []) drop(k2);
  const m = modelFor(c);
  const arch = getArchitecture(m.archName);
  const input = c.model.input;
  const [rows, h, w, ch] = c.x.shape;
  const d = h * w * ch;
  const k = c.model.numClasses;
  return tf.tidy(() => {
    const x = tf.tensor4d(floats(c.x.offset, rows * d), c.x.shape);
    if (c.op === "forward") {
      const z = arch.forward(m.rec, x, input, { training: false });
      floats(c.out, rows * k).set(z.dataSync());
      return { ok: true };
    }
    const y = ints(c.y.offset, c.y.length);
    if (c.op === "value-and-grad") {
      const t = c.t ? ints(c.t.offset, c.t.length) : null;
      const forward2 = (xi) => arch.forward(m.rec, xi, input, { training: false });
      const r2 = localValueAndGrad(forward2, x, shardLoss(c.objective)(Int32Array.from(y), t ? Int32Array.from(t) : null));
      floats(c.out, rows * d).set(r2.grad.dataSync());
      floats(c.out + rows * d, rows * k).set(r2.z);
      floats(c.out + rows * d + rows * k, rows).set(r2.loss);
      return { ok: true };
    }
    const names = c.paramNames;
    const forward = (rec, xi) => arch.forward(rec, xi, input, { training: true });
    const r = localParamGrads(forward, m.rec, names, x, tf.tensor1d(Int32Array.from(y), "int32"), c.total);
    floats(c.out, rows * k).set(r.logits.dataSync());
    r.logits.dispose();
    let off = c.out + rows * k;
    for (const g of r.grads) {
      floats(off, g.size).set(g.dataSync());
      off += g.size;
    }
    return { ok: true, value: r.value };
  });
}
function reply(r) {
  port.postMessage(r);
  Atomics.add(ctrl, 1, 1);
  Atomics.notify(ctrl, 1);
}
async function main() {
  try {
    const info = await initEngine({ force: "wasm" });
    if (info.name !== "wasm") throw new Error(`the worker started ${info.name} instead of wasm`);
  } catch (err) {
    port.postMessage({ ok: false, error: err.message });
    Atomics.store(ctrl, 2, 2);
    Atomics.notify(ctrl, 2);
    return;
  }
  Atomics.store(ctrl, 2, 1);
  Atomics.notify(ctrl, 2);
  let seen = 0;
  for (; ; ) {
    Atomics.wait(ctrl, 0, seen);
    seen = Atomics.load(ctrl, 0);
    const msg = receiveMessageOnPort(port);
    if (!msg) continue;
    let r;
    try {
      const c = msg.message;
      if (c.op === "memory") {
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
//# sourceMappingURL=parallel-worker.js.map
