import { initEngine, tf } from './src/core/engine/backend';
import { crossEntropy } from './src/core/engine/ops';
import { Model } from './src/core/models/model';
import { Rng } from './src/core/engine/random';
const backend = process.argv[2];
await initEngine({ force: backend });
const N = 128;
const m = Model.init('mnist-cnn', { height: 28, width: 28, channels: 1 }, 10, 0);
const x = tf.tensor4d(new Rng(1).fillUniform(new Float32Array(N * 784), 0, 1), [N, 28, 28, 1]);
const y = tf.tensor1d(Array.from({ length: N }, (_, i) => i % 10), 'int32');
function time(name: string, f: () => tf.Tensor | tf.Tensor[], reps = 5) {
  const r0 = f(); (Array.isArray(r0) ? r0 : [r0]).forEach(t => { t.dataSync(); t.dispose(); });
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) { const r = f(); (Array.isArray(r) ? r : [r]).forEach(t => { t.dataSync(); t.dispose(); }); }
  const ms = (performance.now() - t0) / reps;
  console.log(backend, name, ms.toFixed(1), 'ms', (N / ms * 1000).toFixed(0), 'img/s');
}
time('forward', () => tf.tidy(() => m.forward(x)));
time('input grad (PGD step)', () => tf.tidy(() => tf.grad((xx: tf.Tensor) => crossEntropy(m.forward(xx as tf.Tensor4D), y) as tf.Scalar)(x)));
time('param grads (train step w/o update)', () => tf.tidy(() => { const { grads } = tf.variableGrads(() => crossEntropy(m.forward(x), y) as tf.Scalar, m.variables()); return Object.values(grads); }));
console.log(tf.memory().numTensors);
