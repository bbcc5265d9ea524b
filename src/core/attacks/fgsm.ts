/**
 * FGSM (Goodfellow et al., 2015): one step of size eps along the sign of the input gradient.
 * Targeted: one step of size eps that lowers the cross-entropy of the target class.
 */
import type { Attack } from './attack';
import { runPgd } from './pgd';
import { TARGET_PARAMS } from './targets';

export const fgsm: Attack = {
  entry: {
    name: 'fgsm',
    title: 'FGSM (fast gradient sign)',
    description:
      'One step in the direction that increases the loss most, changing every pixel by at most eps. Fast and weak: a model that resists only FGSM is not necessarily robust.',
    params: [
      {
        key: 'eps',
        label: 'Epsilon',
        type: 'number',
        min: 0,
        max: 1,
        step: 0.01,
        default: 0.1,
        unit: 'pixel (0–1)',
        help: 'Largest change allowed per pixel, on the 0–1 scale (8/255 ≈ 0.031 is invisible on photos; 0.1–0.3 is common for MNIST).',
      },
      ...TARGET_PARAMS,
    ],
  },
  radius: (p) => ({ norm: 'linf', eps: p.eps as number }),
  async run(model, x, y, params, ctx) {
    const eps = params.eps as number;
    // One signed step of size eps from the clean image is exactly FGSM; the loop also checks
    // the clean image, so clean mistakes count as fooled.
    return runPgd(model, x, y, { norm: 'linf', eps, steps: 1, alpha: eps, restarts: 1, randomStart: false, params, label: 'fgsm' }, ctx);
  },
};
