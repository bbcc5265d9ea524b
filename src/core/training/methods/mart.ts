/**
 * MART (Wang et al., 2020): misclassification-aware adversarial training. On PGD examples x':
 *   BCE(x') = −log p'_y − log(1 − max_{k≠y} p'_k)   (boosted cross-entropy)
 *   + λ · KL(p(x) ‖ p(x')) · (1 − p_y(x))          (KL weighted toward misclassified points)
 */
import { tf } from '../../engine/backend';
import { linfAdversary } from '../adversary';
import { ce, klFromLogits, oneHot, trueProb } from '../losses/common';
import { epsParam, randomStartParam, stepSizeParam, stepsParam } from './common-params';
import type { TrainMethod } from './method';
import { stackPair, splitPair } from './pair';
import { batchAccuracy } from './pgd-at';
import { adversarialTraits } from '../../../shared/methods';

/** The MART loss from clean and adversarial logits. */
export function martLoss(clean: tf.Tensor2D, adv: tf.Tensor2D, y: tf.Tensor1D, lambda: number): tf.Scalar {
  const k = adv.shape[1];
  const pAdv = tf.softmax(adv) as tf.Tensor2D;
  const mask = oneHot(y, k);
  // Largest wrong-class probability (the true class masked out).
  const wrongMax = tf.max(tf.sub(pAdv, tf.mul(mask, 2)), -1);
  const bce = tf.add(ce(adv, y), tf.neg(tf.log(tf.add(tf.sub(1.0001, wrongMax), 1e-12))));
  const pClean = trueProb(tf.softmax(clean) as tf.Tensor2D, y);
  const kl = tf.mul(klFromLogits(clean, adv), tf.sub(1.0000001, pClean));
  return tf.add(tf.mean(bce), tf.mul(tf.mean(kl), lambda)) as tf.Scalar;
}

export const mart: TrainMethod = {
  entry: {
    name: 'mart',
    ...adversarialTraits('about (steps + 1)×'),
    title: 'MART (misclassification-aware adversarial training)',
    description:
      'Adversarial training that pushes harder on the images the model still gets wrong (Wang et al.): a boosted loss on the attacked images plus a stability penalty weighted toward misclassified ones. Usually a little more robust than PGD-AT at a similar clean-accuracy cost; same time cost as PGD-AT.',
    params: [
      {
        key: 'lambda',
        label: 'Lambda (stability weight)',
        type: 'number',
        min: 0,
        max: 100,
        step: 0.5,
        default: 5,
        help: 'Weight of the KL stability penalty (5–6 in the paper). 0 keeps only the boosted loss on attacked images.',
      },
      epsParam(),
      stepsParam(10),
      stepSizeParam(),
      randomStartParam(),
    ],
  },
  monitorEps: (p) => p.eps as number,
  async prepare(model, x, y, p, ctx) {
    const xAdv = linfAdversary(model, x, y, {
      eps: p.eps as number,
      steps: p.steps as number,
      stepSize: p.stepSize as number,
      start: p.randomStart ? 'uniform' : 'none',
      rng: ctx.rng,
    });
    return stackPair(x, xAdv);
  },
  loss(model, pair, y, p) {
    const [clean, adv] = splitPair(model.forward(pair, { training: true }));
    return { loss: martLoss(clean, adv, y, p.lambda as number), logits: adv, metrics: { adv_accuracy: batchAccuracy(adv, y), clean_accuracy: batchAccuracy(clean, y) } };
  },
};
