/**
 * CC-IBP / MTL-IBP (De Palma et al., 2023, "Expressive losses for verified robustness via convex
 * combinations"): a convex combination, with weight α, of an adversarial and an IBP worst case.
 *   combine = 'logits' (CC-IBP): CE((1 − α)·(z(x') − z_y(x')) + α·ẑ_IBP, y)
 *   combine = 'losses' (MTL-IBP): (1 − α)·CE(z(x'), y) + α·CE(ẑ_IBP, y)
 * x' comes from a short attack (1 step from a random start by default) inside the current
 * eps-box; the radius ramps up as in IBP training. α moves the result between adversarial
 * training (α = 0: robust but hard to certify) and IBP training (α = 1: certifiable, less accurate).
 */
import { tf } from '../../engine/backend';
import { linfAdversary } from '../adversary';
import { ce, oneHot } from '../losses/common';
import { worstCaseLogits } from '../../certify/spec';
import { certifiedFraction, marginBounds } from './certified-common';
import { epsParam, rampFraction, rampParams } from './common-params';
import type { TrainMethod } from './method';
import { stackPair, splitPair } from './pair';
import { batchAccuracy } from './pgd-at';
import { certifiedTraits } from '../../../shared/methods';

export const ccIbp: TrainMethod = {
  entry: {
    name: 'cc-ibp',
    ...certifiedTraits('about 3×'),
    title: 'Certified training with CC-IBP (adversarial + IBP mix)',
    description:
      'Mixes an adversarial attack with interval bounds (De Palma et al.): alpha near 0 behaves like adversarial training (better clean and empirical robust accuracy, little is certified), alpha near 1 like IBP training (more certified, less clean accuracy). About 3× the time of standard training.',
    params: [
      epsParam(0.1, 'The radius to defend and certify; training ramps up to it.'),
      ...rampParams(),
      {
        key: 'alpha',
        label: 'Alpha (IBP share)',
        type: 'number',
        min: 0,
        max: 1,
        step: 0.05,
        default: 0.5,
        help: 'Weight of the IBP worst case against the adversarial one: 0 = adversarial training, 1 = IBP training.',
      },
      {
        key: 'combine',
        label: 'Combine',
        type: 'enum',
        default: 'logits',
        options: [
          { value: 'logits', label: 'Logits (CC-IBP)' },
          { value: 'losses', label: 'Losses (MTL-IBP)' },
        ],
        help: 'Mix the two worst cases before the loss (CC-IBP) or mix their losses (MTL-IBP).',
        advanced: true,
      },
      {
        key: 'attackSteps',
        label: 'Attack steps',
        type: 'integer',
        min: 1,
        max: 100,
        default: 1,
        help: 'Steps of the attack that finds the adversarial point; 1 (a step to a corner of the box from a random start) is what the paper uses.',
        advanced: true,
      },
    ],
  },
  needsLayers: true,
  monitorEps: (p) => p.eps as number,
  async prepare(model, x, y, p, ctx) {
    const eps = (p.eps as number) * rampFraction(p, ctx);
    const xAdv = linfAdversary(model, x, y, { eps, steps: p.attackSteps as number, stepSize: 0, start: 'uniform', rng: ctx.rng });
    return stackPair(x, xAdv);
  },
  loss(model, pair, y, p, ctx) {
    const f = rampFraction(p, ctx);
    const eps = (p.eps as number) * f;
    const alpha = p.alpha as number;
    const n = pair.shape[0] / 2;
    const x = tf.slice(pair, [0, 0, 0, 0], [n, -1, -1, -1]) as tf.Tensor4D;
    const [clean, adv] = splitPair(model.forward(pair, { training: true }));
    const lb = marginBounds(model, x, y, eps, false).ibp;
    const worst = worstCaseLogits(lb);
    let loss: tf.Scalar;
    if (p.combine === 'losses') {
      loss = tf.add(tf.mul(tf.mean(ce(adv, y)), 1 - alpha), tf.mul(tf.mean(ce(worst, y)), alpha)) as tf.Scalar;
    } else {
      const advY = tf.sum(tf.mul(adv, oneHot(y, adv.shape[1])), -1, true);
      const mixed = tf.add(tf.mul(tf.sub(adv, advY), 1 - alpha), tf.mul(worst, alpha)) as tf.Tensor2D;
      loss = tf.mean(ce(mixed, y)) as tf.Scalar;
    }
    return {
      loss,
      logits: clean,
      metrics: { eps: tf.scalar(eps), adv_accuracy: batchAccuracy(adv, y), certified_accuracy: certifiedFraction(lb, y, model.numClasses) },
    };
  },
};
