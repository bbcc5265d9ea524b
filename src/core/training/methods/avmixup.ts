/**
 * Adversarial vertex mixup, AVmixup (Lee et al., 2020): from the PGD perturbation δ = x' − x,
 * the adversarial vertex x_av = x + γ·δ; each training point is x̃ = λ·x + (1 − λ)·x_av with
 * λ ~ U(0, 1) per example, and its target is λ·φ(y, ζ₁) + (1 − λ)·φ(y, ζ₂), where φ(y, ζ) is the
 * label-smoothed target with ζ on the true class. x̃ is clipped to [0, 1]. The lab's choice for
 * "interpolated adversarial training".
 */
import { tf } from '../../engine/backend';
import { linfAdversary } from '../adversary';
import { smoothTargets, softCrossEntropy } from '../losses/common';
import { epsParam, randomStartParam, stepSizeParam, stepsParam } from './common-params';
import type { MethodStepContext, TrainMethod } from './method';
import { adversarialTraits } from '../../../shared/methods';

function lambdas(n: number, ctx: MethodStepContext): Float32Array {
  return ctx.rng.fork('avmixup').fillUniform(new Float32Array(n), 0, 1);
}

export const avmixup: TrainMethod = {
  entry: {
    name: 'avmixup',
    ...adversarialTraits('about (steps + 1)×', 'lower, less than PGD-AT'),
    title: 'Adversarial vertex mixup (AVmixup)',
    description:
      'Adversarial training on points between each image and an exaggerated adversarial version of it (γ times the PGD change), with softened labels toward the far end (Lee et al.). Reduces the robust-overfitting gap and the clean-accuracy cost of adversarial training; same time cost as PGD-AT.',
    params: [
      epsParam(),
      { key: 'gamma', label: 'Gamma (vertex scale)', type: 'number', min: 1, max: 10, step: 0.5, default: 2, help: 'How far beyond the adversarial example the vertex lies (2 in the paper).' },
      { key: 'zetaClean', label: 'Label weight at the image', type: 'number', min: 0, max: 1, step: 0.05, default: 1, help: 'Weight of the true class in the target at the clean end (1 = the plain label).', advanced: true },
      { key: 'zetaVertex', label: 'Label weight at the vertex', type: 'number', min: 0, max: 1, step: 0.05, default: 0.1, help: 'Weight of the true class in the target at the vertex end; the rest is spread over the other classes.', advanced: true },
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
    const n = x.shape[0];
    const mixed = tf.tidy(() => {
      const lam = tf.tensor(lambdas(n, ctx), [n, 1, 1, 1]);
      const vertex = tf.add(x, tf.mul(tf.sub(xAdv, x), p.gamma as number));
      return tf.clipByValue(tf.add(tf.mul(x, lam), tf.mul(vertex, tf.sub(1, lam))), 0, 1) as tf.Tensor4D;
    });
    xAdv.dispose();
    return mixed;
  },
  loss(model, xMix, y, p, ctx) {
    const n = xMix.shape[0];
    const k = ctx.numClasses;
    const lam = tf.tensor(lambdas(n, ctx), [n, 1]);
    const target = tf.add(tf.mul(smoothTargets(y, k, p.zetaClean as number), lam), tf.mul(smoothTargets(y, k, p.zetaVertex as number), tf.sub(1, lam))) as tf.Tensor2D;
    const logits = model.forward(xMix, { training: true });
    return { loss: tf.mean(softCrossEntropy(logits, target)) as tf.Scalar, logits };
  },
};
