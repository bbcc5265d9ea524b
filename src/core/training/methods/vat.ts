/**
 * VAT, virtual adversarial training (Miyato et al., 2018): cross-entropy plus α·KL(p(x) ‖ p(x + r)),
 * where r (L2 norm eps) is the direction that changes the prediction most, found by power
 * iteration: d ← normalize(∇_d KL(p(x) ‖ p(x + ξ·d))) from a random d. Needs no labels for the
 * penalty, and smooths the model around every training image. x + r is clipped to [0, 1].
 */
import { tf } from '../../engine/backend';
import { detach } from '../../engine/ops';
import { ce, klFromLogits } from '../losses/common';
import type { TrainMethod } from './method';
import { stackPair, splitPair } from './pair';

/** Each image scaled to L2 norm 1 (first by its largest entry, so tiny gradients neither underflow nor lose precision). */
function l2normalize(t: tf.Tensor): tf.Tensor {
  const n = t.shape[0];
  const flat = tf.reshape(t, [n, -1]);
  const scaled = tf.div(flat, tf.add(tf.max(tf.abs(flat), 1, true), 1e-30));
  const norm = tf.sqrt(tf.add(tf.sum(tf.square(scaled), 1, true), 1e-12));
  return tf.reshape(tf.div(scaled, norm), t.shape);
}

export const vat: TrainMethod = {
  entry: {
    name: 'vat',
    ...({ family: 'regularizer', tradeoff: { clean: 'about the same', robust: 'smoother; some robustness to small noise', time: 'about (iterations + 2)×' }, monitor: 'pgd' } as const),
    title: 'Virtual adversarial training (VAT)',
    description:
      'Penalizes the change of the prediction under the small L2 perturbation that changes it most (found without labels). Smoother decision boundaries and some robustness to small perturbations and noise, with little clean-accuracy cost; about (iterations + 2)× the time of standard training. Not a defense against L∞ attacks at the eps of adversarial training.',
    params: [
      { key: 'eps', label: 'Epsilon (L2)', type: 'number', min: 0, max: 100, step: 0.1, default: 2, unit: 'L2 norm of the pixel change', help: 'Size of the virtual adversarial perturbation as the L2 norm over the whole image (2 for 28×28 digits in the paper).' },
      { key: 'xi', label: 'Xi (probe size)', type: 'number', min: 1e-6, max: 10, step: 0.01, default: 0.1, help: 'Size of the probe step used to find the direction; small but not so small that float32 rounding hides the change.', advanced: true },
      { key: 'iterations', label: 'Power iterations', type: 'integer', min: 1, max: 10, default: 1, help: 'Refinements of the direction; 1 is enough in practice.', advanced: true },
      { key: 'alpha', label: 'Alpha (penalty weight)', type: 'number', min: 0, max: 100, step: 0.1, default: 1, help: 'Weight of the smoothness penalty; 0 is standard training.' },
    ],
  },
  async prepare(model, x, _y, p, ctx) {
    const xi = p.xi as number;
    const clean = tf.tidy(() => detach(model.forward(x, { training: false })) as tf.Tensor2D);
    try {
      const xv = tf.tidy(() => {
        let d = l2normalize(tf.tensor(ctx.rng.fillNormal(new Float32Array(x.size)), x.shape));
        const g = tf.grad((r: tf.Tensor) => tf.sum(klFromLogits(clean, model.forward(tf.add(x, r) as tf.Tensor4D, { training: false }))) as tf.Scalar);
        for (let i = 0; i < (p.iterations as number); i++) d = l2normalize(g(tf.mul(d, xi)));
        return tf.clipByValue(tf.add(x, tf.mul(d, p.eps as number)), 0, 1) as tf.Tensor4D;
      });
      return stackPair(x, xv);
    } finally {
      clean.dispose();
    }
  },
  loss(model, pair, y, p) {
    const [clean, pert] = splitPair(model.forward(pair, { training: true }));
    const penalty = tf.mean(klFromLogits(detach(clean) as tf.Tensor2D, pert));
    return { loss: tf.add(tf.mean(ce(clean, y)), tf.mul(penalty, p.alpha as number)) as tf.Scalar, logits: clean, metrics: { vat_penalty: penalty as tf.Scalar } };
  },
};
