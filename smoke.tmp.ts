import { initEngine, tf } from '/work/main/src/core/engine/backend';
import { Rng } from '/work/main/src/core/engine/random';
import { ATTACKS, resolveAttack } from '/work/main/src/core/attacks/registry';
import { Model } from '/work/main/src/core/models/model';

async function main() {
  await initEngine({ force: process.argv[2] ?? 'wasm' });
  const model = Model.init('mlp', { height: 28, width: 28, channels: 1 }, 10, 0);
  const rng = new Rng(1);
  const n = 16;
  const x = tf.tensor4d(rng.fillUniform(new Float32Array(n * 784), 0, 1), [n, 28, 28, 1]);
  const pred = tf.argMax(model.forward(x), 1).dataSync();
  const y = tf.tensor1d(Int32Array.from(pred), 'int32');
  for (const name of Object.keys(ATTACKS)) {
    const extra: Record<string, unknown> = name === 'autoattack' ? { steps: 10, squareQueries: 50 } : name === 'square' ? { queries: 50 } : name === 'cw-l2' ? { steps: 20, binarySteps: 2 } : {};
    const { attack, params } = resolveAttack({ name, params: extra as never });
    const before = tf.memory().numTensors;
    const t0 = Date.now();
    const r = await attack!.run(model, x, y, params, { rng: new Rng(3), tick: async () => {} , numClasses: 10});
    const fooled = r.fooled.reduce((a, b) => a + b, 0);
    r.xAdv.dispose();
    console.log(name.padEnd(12), 'fooled', fooled, '/', n, 'grads', r.gradEvals.toFixed(1), 'queries', (r.queries ?? 0).toFixed(1), 'ms', Date.now() - t0, 'leak', tf.memory().numTensors - before, r.perturbation ? 'pert ' + Array.from(r.perturbation.slice(0, 4)).map((v) => v.toFixed(3)) : '', r.stages ? r.stages.map((s) => `${s.name}:${s.broke.reduce((a, b) => a + b, 0)}/${s.ran}`).join(' ') : '');
  }
}
main();
