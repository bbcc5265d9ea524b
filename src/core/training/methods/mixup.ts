/**
 * Mixup (Zhang et al., 2018): each batch is blended with a shuffled copy of itself,
 * x̃ = λ·x + (1 − λ)·x[π], λ ~ Beta(α, α), and trained on λ·CE(ỹ, y) + (1 − λ)·CE(ỹ, y[π]).
 */
import { tf } from '../../engine/backend';
import type { Rng } from '../../engine/random';
import { ce } from '../losses/common';
import { beta } from '../sampling';
import type { MethodStepContext, TrainMethod } from './method';

/** λ and the permutation of this step (the same in prepare and loss: both fork the step's stream). */
export function mixupDraw(rng: Rng, n: number, alpha: number): { lambda: number; perm: Int32Array } {
  const r = rng.fork('mixup');
  const lambda = alpha > 0 ? beta(r, alpha, alpha) : 1;
  return { lambda, perm: r.permutation(n) };
}

function draw(n: number, alpha: number, ctx: MethodStepContext) {
  return mixupDraw(ctx.rng, n, alpha);
}

export const mixup: TrainMethod = {
  entry: {
    name: 'mixup',
    ...({ family: 'regularizer', tradeoff: { clean: 'about the same', robust: 'better calibration, some corruption tolerance', time: 'about 1×' }, monitor: 'none' } as const),
    title: 'Mixup',
    description:
      'Trains on blends of two images with the matching blend of their labels. A cheap regularizer: smoother predictions, better calibration, some tolerance to label noise and corruptions, often similar clean accuracy; same time as standard training. No adversarial robustness by itself.',
    params: [
      {
        key: 'alpha',
        label: 'Alpha',
        type: 'number',
        min: 0,
        max: 10,
        step: 0.1,
        default: 0.4,
        help: 'Shape of the Beta(alpha, alpha) distribution of the blend weight: small values mostly keep one image, 1 blends uniformly. 0 is standard training.',
      },
    ],
  },
  async prepare(_model, x, _y, p, ctx) {
    const { lambda, perm } = draw(x.shape[0], p.alpha as number, ctx);
    return tf.tidy(() => tf.add(tf.mul(x, lambda), tf.mul(tf.gather(x, tf.tensor1d(perm, 'int32')), 1 - lambda)) as tf.Tensor4D);
  },
  loss(model, xMix, y, p, ctx) {
    const { lambda, perm } = draw(xMix.shape[0], p.alpha as number, ctx);
    const logits = model.forward(xMix, { training: true });
    const yPerm = tf.gather(y, tf.tensor1d(perm, 'int32')) as tf.Tensor1D;
    const loss = tf.add(tf.mul(tf.mean(ce(logits, y)), lambda), tf.mul(tf.mean(ce(logits, yPerm)), 1 - lambda)) as tf.Scalar;
    return { loss, logits, metrics: { lambda: tf.scalar(lambda) } };
  },
};
