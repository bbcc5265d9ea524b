/**
 * FGSM (Goodfellow et al., 2015): one step of size eps along the sign of the input gradient.
 */
import { tf } from '../engine/backend';
import type { Attack } from './attack';
import { lossGradient, misclassified } from './util';

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
    ],
  },
  radius: (p) => ({ norm: 'linf', eps: p.eps as number }),
  async run(model, x, y, params) {
    const eps = params.eps as number;
    const { grad, wrong: cleanWrong } = lossGradient(model, x, y);
    const xAdv = tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(tf.sign(grad), eps)), 0, 1) as tf.Tensor4D);
    grad.dispose();
    const advWrong = misclassified(model, xAdv, y);
    const fooled = new Uint8Array(advWrong.length);
    for (let i = 0; i < fooled.length; i++) fooled[i] = cleanWrong[i] | advWrong[i];
    return { xAdv, fooled, gradEvals: 1 };
  },
};
