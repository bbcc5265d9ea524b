/**
 * TRADES (Zhang et al., 2019): cross-entropy on the clean images plus β times the KL divergence
 * between the clean and the adversarial prediction, KL(p(x) ‖ p(x')). The adversary starts at
 * x + 0.001·N(0, 1), unclipped as in the reference code (github.com/yaodongyu/TRADES), and
 * maximizes that KL by signed steps, each projected onto the eps-ball and [0, 1]. β trades clean accuracy (small β)
 * for robustness (large β); β = 0 is standard training.
 */
import { tf } from '../../engine/backend';
import { detach } from '../../engine/ops';
import { linfAdversary } from '../adversary';
import { ce, klFromLogits } from '../losses/common';
import { epsParam, stepSizeParam, stepsParam } from './common-params';
import type { TrainMethod } from './method';
import { stackPair, splitPair } from './pair';
import { batchAccuracy } from './pgd-at';
import { adversarialTraits } from '../../../shared/methods';

/** The TRADES loss from clean and adversarial logits: mean CE(clean) + β·mean KL(p_clean ‖ p_adv). */
export function tradesLoss(clean: tf.Tensor2D, adv: tf.Tensor2D, y: tf.Tensor1D, beta: number): tf.Scalar {
  return tf.add(tf.mean(ce(clean, y)), tf.mul(tf.mean(klFromLogits(clean, adv)), beta)) as tf.Scalar;
}

export const trades: TrainMethod = {
  entry: {
    name: 'trades',
    ...adversarialTraits('about (steps + 2)×', 'lower; beta sets the trade'),
    title: 'TRADES (clean loss + robustness regularizer)',
    description:
      'Keeps the usual loss on clean images and adds a penalty when the prediction changes under attack (Zhang et al.). Beta sets the trade: higher beta gives more robustness and less clean accuracy. Costs about (steps + 2)× the time of standard training.',
    params: [
      {
        key: 'beta',
        label: 'Beta (robustness weight)',
        type: 'number',
        min: 0,
        max: 100,
        step: 0.5,
        default: 6,
        help: 'Weight of the robustness penalty: 0 is standard training; 1–6 is the usual range (6 in the paper for the most robust models).',
      },
      epsParam(),
      stepsParam(10),
      stepSizeParam(),
    ],
  },
  monitorEps: (p) => p.eps as number,
  async prepare(model, x, y, p, ctx) {
    const cleanLogits = tf.tidy(() => detach(model.forward(x, { training: false })) as tf.Tensor2D);
    try {
      const xAdv = linfAdversary(model, x, y, {
        eps: p.eps as number,
        steps: p.steps as number,
        stepSize: p.stepSize as number,
        start: 'small-normal',
        rng: ctx.rng,
        objective: (logits) => tf.sum(klFromLogits(cleanLogits, logits)) as tf.Scalar,
      });
      return stackPair(x, xAdv);
    } finally {
      cleanLogits.dispose();
    }
  },
  loss(model, pair, y, p) {
    const [clean, adv] = splitPair(model.forward(pair, { training: true }));
    return { loss: tradesLoss(clean, adv, y, p.beta as number), logits: clean, metrics: { adv_accuracy: batchAccuracy(adv, y) } };
  },
};
