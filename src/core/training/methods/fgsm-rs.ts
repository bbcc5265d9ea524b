/**
 * Fast adversarial training (Wong et al., 2020, "Fast is better than free"): one FGSM step of size
 * α = 1.25·eps from a uniform random start in the ball, projected back onto the ball.
 */
import { tf } from '../../engine/backend';
import { linfAdversary } from '../adversary';
import { ce } from '../losses/common';
import { epsParam } from './common-params';
import type { TrainMethod } from './method';
import { batchAccuracy } from './pgd-at';
import { adversarialTraits } from '../../../shared/methods';

export const fgsmRs: TrainMethod = {
  entry: {
    name: 'fgsm-rs',
    ...adversarialTraits('about 2×'),
    title: 'Fast adversarial training (FGSM with random start)',
    description:
      'Adversarial training with a single attack step from a random start (Wong et al.). About 2× the time of standard training instead of 11× for PGD-AT, with most of its robustness; at large eps it can suddenly lose all robustness ("catastrophic overfitting"), so check the PGD accuracy.',
    params: [
      epsParam(),
      {
        key: 'alphaFactor',
        label: 'Step size (× eps)',
        type: 'number',
        min: 0.1,
        max: 4,
        step: 0.05,
        default: 1.25,
        help: 'The FGSM step as a multiple of eps; Wong et al. recommend 1.25. Larger steps tend to overfit catastrophically.',
        advanced: true,
      },
    ],
  },
  monitorEps: (p) => p.eps as number,
  async prepare(model, x, y, p, ctx) {
    const eps = p.eps as number;
    return linfAdversary(model, x, y, { eps, steps: 1, stepSize: (p.alphaFactor as number) * eps, start: 'uniform', rng: ctx.rng });
  },
  loss(model, xAdv, y) {
    const logits = model.forward(xAdv, { training: true });
    return { loss: tf.mean(ce(logits, y)) as tf.Scalar, logits, metrics: { adv_accuracy: batchAccuracy(logits, y) } };
  },
};
