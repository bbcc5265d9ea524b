/**
 * PGD adversarial training (Madry et al., 2018): each batch is replaced by the worst-case images
 * a PGD attack finds inside the eps-ball, and the model is trained with cross-entropy on them.
 */
import { tf } from '../../engine/backend';
import { linfAdversary } from '../adversary';
import { ce } from '../losses/common';
import { epsParam, randomStartParam, stepSizeParam, stepsParam } from './common-params';
import type { TrainMethod } from './method';
import { adversarialTraits } from '../../../shared/methods';

export function batchAccuracy(logits: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
  return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(y, 'int32')), 'float32')) as tf.Scalar;
}

export const pgdAt: TrainMethod = {
  entry: {
    name: 'pgd-at',
    ...adversarialTraits('about (steps + 1)×, 11× with 10 steps'),
    title: 'Adversarial training (PGD, Madry et al.)',
    description:
      'Trains on the worst-case images a PGD attack finds within eps of each training image. The standard defense: large gains in robust accuracy at the trained radius, at a cost of some clean accuracy and about (steps + 1)× the time of standard training.',
    params: [epsParam(), stepsParam(10), stepSizeParam(), randomStartParam()],
  },
  monitorEps: (p) => p.eps as number,
  async prepare(model, x, y, p, ctx) {
    return linfAdversary(model, x, y, {
      eps: p.eps as number,
      steps: p.steps as number,
      stepSize: p.stepSize as number,
      start: p.randomStart ? 'uniform' : 'none',
      rng: ctx.rng,
    });
  },
  loss(model, xAdv, y) {
    const logits = model.forward(xAdv, { training: true });
    return { loss: tf.mean(ce(logits, y)) as tf.Scalar, logits, metrics: { adv_accuracy: batchAccuracy(logits, y) } };
  },
};
