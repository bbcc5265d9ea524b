/**
 * A small MLP trained in-test on a few hundred built-in mnist-digits images with a hand-written
 * loop (seeded, so the same backend gives the same model), and test images to attack.
 */
import { tf } from '../../src/core/engine/backend';
import { crossEntropy } from '../../src/core/engine/ops';
import { Rng } from '../../src/core/engine/random';
import { Model } from '../../src/core/models/model';
import { makeOptimizer } from '../../src/core/training/optim';
import { gatherBatch, limitSplit } from '../../src/core/data/dataset';
import { loadBuiltin } from '../../src/core/data/builtin';

export async function trainTinyMlp(opts: { train?: number; epochs?: number; seed?: number } = {}): Promise<Model> {
  const data = loadBuiltin('mnist-digits');
  const train = limitSplit(data.train, opts.train ?? 600);
  const model = Model.init('mlp', { height: 28, width: 28, channels: 1 }, 10, opts.seed ?? 0);
  const opt = makeOptimizer({ name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0, beta1: 0.9, beta2: 0.999 }, model.params);
  const names = new Map([...model.params].map(([k, v]) => [v.name, k]));
  const rng = new Rng(opts.seed ?? 0).fork('shuffle');
  const B = 50;
  for (let e = 0; e < (opts.epochs ?? 4); e++) {
    const perm = rng.permutation(train.count);
    for (let s = 0; s < train.count; s += B) {
      const b = gatherBatch(train, perm.subarray(s, Math.min(train.count, s + B)));
      const x = tf.tensor4d(b.x, [b.n, 28, 28, 1]);
      const y = tf.tensor1d(b.y, 'int32');
      const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(x, { training: true }), y, 'mean') as tf.Scalar, model.variables());
      const byName: Record<string, tf.Tensor> = {};
      for (const [k, g] of Object.entries(grads)) byName[names.get(k) ?? k] = g;
      opt.step(byName, 0.1);
      tf.dispose([x, y, value, ...Object.values(grads)]);
    }
  }
  opt.dispose();
  return model;
}

/** The first n test images of mnist-digits as tensors. */
export function testBatch(n: number): { x: tf.Tensor4D; y: tf.Tensor1D; labels: Int32Array; dispose: () => void } {
  const test = limitSplit(loadBuiltin('mnist-digits').test, n);
  const b = gatherBatch(test, Array.from({ length: test.count }, (_, i) => i));
  const x = tf.tensor4d(b.x, [b.n, 28, 28, 1]);
  const y = tf.tensor1d(b.y, 'int32');
  return { x, y, labels: b.y, dispose: () => tf.dispose([x, y]) };
}
