import { initEngine, tf } from './src/core/engine/backend';
import { BoundGraph, computeBounds, inputBox, identitySpec, marginSpec } from './src/core/certify';
import { Model } from './src/core/models/model';
import { Rng } from './src/core/engine/random';
async function main() {
  await initEngine({ force: (process.argv[2] as string) ?? 'wasm' });
  const params = {
    w1: tf.tensor2d([[1, 1], [1, -1]]), b1: tf.tensor1d([-0.5, 0]),
    w2: tf.tensor2d([[1, 0], [-1, 1]]),
  };
  const g = BoundGraph.fromLayers([{ op: 'flatten-chw' }, { op: 'linear', weight: 'w1', bias: 'b1' }, { op: 'relu' }, { op: 'linear', weight: 'w2' }], params, { height: 1, width: 2, channels: 1 });
  const x = tf.tensor4d([0.5, 0.5], [1, 1, 2, 1]);
  for (const m of ['ibp', 'crown'] as const) {
    const r = computeBounds(g, inputBox(x, 0.25), identitySpec(1, 2), { method: m, upper: true, intersectIbp: false });
    const mm = computeBounds(g, inputBox(x, 0.25), marginSpec(tf.tensor1d([0], 'int32'), 2), { method: m, intersectIbp: false });
    console.log(m, r.lower.arraySync(), r.upper!.arraySync(), mm.lower.arraySync());
  }
  for (const arch of ['mlp', 'mnist-cnn']) {
    const model = Model.init(arch, { height: 28, width: 28, channels: 1 }, 10, 1);
    const gg = BoundGraph.fromModel(model);
    const X = tf.tensor4d(new Rng(3).fillUniform(new Float32Array(4 * 784), 0, 1), [4, 28, 28, 1]);
    const z = model.forward(X);
    const t0 = Date.now();
    for (const m of ['ibp', 'crown'] as const) {
      const r0 = computeBounds(gg, inputBox(X, 0), identitySpec(4, 10), { method: m, upper: true });
      const d = tf.max(tf.abs(tf.sub(r0.lower, z))).dataSync()[0];
      const d2 = tf.max(tf.abs(tf.sub(r0.upper!, z))).dataSync()[0];
      const r = computeBounds(gg, inputBox(X, 0.02), identitySpec(4, 10), { method: m, upper: true, intersectIbp: false });
      const w = tf.mean(tf.sub(r.upper!, r.lower)).dataSync()[0];
      console.log(arch, m, 'eps0 diff', d, d2, 'width@0.02', w, Date.now() - t0, 'ms');
    }
  }
}
main();
