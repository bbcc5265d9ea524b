/**
 * ASAM, adaptive SAM (Kwon et al., 2021): SAM in a neighbourhood scaled to each weight's size,
 * so the result does not depend on how the weights are scaled. With T = |w| + η (element-wise),
 * ε = ρ·T²·g / ‖T·g‖.
 */
import { tf } from '../../engine/backend';
import { crossEntropy } from '../../engine/ops';
import type { TrainMethod } from './method';
import { globalNorm, gradientsAt, moveWeights } from './weight-perturbation';

export const asam: TrainMethod = {
  entry: {
    name: 'asam',
    ...({ family: 'flat', tradeoff: { clean: 'often a little higher', robust: 'a little more robust to corruptions and label noise', time: 'about 2×' }, monitor: 'none' } as const),
    title: 'Adaptive sharpness-aware minimization (ASAM)',
    description:
      'SAM with a neighbourhood that scales with each weight, so large and small weights are treated alike. Same trade as SAM: about 2× the time of standard training for flatter minima and often better generalization; no adversarial robustness by itself.',
    params: [
      {
        key: 'rho',
        label: 'Rho (neighbourhood size)',
        type: 'number',
        min: 0,
        max: 10,
        step: 0.05,
        default: 0.5,
        help: 'Size of the scaled neighbourhood; ASAM uses about 10× the rho of SAM (0.5 is common).',
      },
      {
        key: 'eta',
        label: 'Eta',
        type: 'number',
        min: 0,
        max: 1,
        step: 0.001,
        default: 0.01,
        help: 'Added to |w| in the scaling so weights near zero can still move.',
        advanced: true,
      },
    ],
  },
  perturbWeights(model, lossAt, p) {
    const rho = p.rho as number;
    const eta = p.eta as number;
    if (!(rho > 0)) return null;
    const vars = model.variables();
    const grads = gradientsAt(model, lossAt);
    const scaled = tf.tidy(() => grads.map((g, i) => tf.keep(tf.mul(g, tf.add(tf.abs(vars[i]), eta)))));
    const norm = globalNorm(scaled);
    const deltas = tf.tidy(() => scaled.map((tg, i) => tf.keep(tf.mul(tf.mul(tg, tf.add(tf.abs(vars[i]), eta)), rho / (norm + 1e-12)))));
    tf.dispose([...grads, ...scaled]);
    const restore = moveWeights(model, deltas);
    tf.dispose(deltas);
    return restore;
  },
  loss(model, x, y) {
    const logits = model.forward(x, { training: true });
    return { loss: crossEntropy(logits, y, 'mean') as tf.Scalar, logits };
  },
};
