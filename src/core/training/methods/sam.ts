/**
 * SAM, sharpness-aware minimization (Foret et al., 2021). Each step first moves the weights
 * uphill to w + ε with ε = ρ·g/‖g‖ (g the gradient at w, ‖·‖ the global L2 norm), takes the
 * gradient there, then applies it at the original weights. Seeks flat minima.
 */
import { tf } from '../../engine/backend';
import { crossEntropy } from '../../engine/ops';
import type { TrainMethod } from './method';
import { globalNorm, gradientsAt, moveWeights } from './weight-perturbation';

export const sam: TrainMethod = {
  entry: {
    name: 'sam',
    ...({ family: 'flat', tradeoff: { clean: 'often a little higher', robust: 'a little more robust to corruptions and label noise', time: 'about 2×' }, monitor: 'none' } as const),
    title: 'Sharpness-aware minimization (SAM)',
    description:
      'Looks for weights whose whole neighbourhood has low loss (a flat minimum), which tends to generalize better and to be a little more robust to corruptions and label noise. Each step needs two gradient passes, so about 2× the time of standard training; no adversarial robustness by itself.',
    params: [
      {
        key: 'rho',
        label: 'Rho (neighbourhood size)',
        type: 'number',
        min: 0,
        max: 10,
        step: 0.01,
        default: 0.05,
        help: 'How far (in the L2 norm of all weights) the step looks uphill; 0.05 is the usual value, 0 is standard training.',
      },
    ],
  },
  perturbWeights(model, lossAt, p) {
    const rho = p.rho as number;
    if (!(rho > 0)) return null;
    const grads = gradientsAt(model, lossAt);
    const norm = globalNorm(grads);
    const deltas = tf.tidy(() => grads.map((g) => tf.keep(tf.mul(g, rho / (norm + 1e-12)))));
    tf.dispose(grads);
    const restore = moveWeights(model, deltas);
    tf.dispose(deltas);
    return restore;
  },
  loss(model, x, y) {
    const logits = model.forward(x, { training: true });
    return { loss: crossEntropy(logits, y, 'mean') as tf.Scalar, logits };
  },
};
