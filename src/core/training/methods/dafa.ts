/**
 * Class-aware reweighting for robust fairness, a simplified DAFA (Lee et al., 2024, "Distance-
 * aware fair adversarial training"). PGD-AT for `warmupEpochs` epochs while collecting, for each
 * true class i, the mean predicted probability P[i][j] of every class j on its adversarial
 * examples. Then each class gets a weight
 *     W_i = 1 + λ·Σ_{j≠i} (P[i][j] − P[j][i])        (clipped to [0.2, 5])
 * — a class whose points drift to similar classes more than theirs drift back counts as harder —
 * used both as its loss weight and as the scale of its training radius (eps_i = W_i·eps, at most
 * 1). Simplifications: the weights are computed once after the warm-up (not updated), from
 * adversarial predictions, without the paper's normalization.
 */
import { tf } from '../../engine/backend';
import { linfAdversary } from '../adversary';
import { ce } from '../losses/common';
import { epsParam, randomStartParam, stepSizeParam, stepsParam } from './common-params';
import type { MethodStepContext, TrainMethod } from './method';
import { batchAccuracy } from './pgd-at';
import { adversarialTraits } from '../../../shared/methods';

export function dafaWeights(P: number[][], lambda: number): number[] {
  const k = P.length;
  return P.map((_, i) => {
    let s = 0;
    for (let j = 0; j < k; j++) if (j !== i) s += P[i][j] - P[j][i];
    return Math.min(5, Math.max(0.2, 1 + lambda * s));
  });
}

interface DafaState {
  sums?: number[][];
  counts?: number[];
  weights?: number[];
}

function classWeights(ctx: MethodStepContext, lambda: number, warmup: number): number[] | null {
  const st = ctx.state as DafaState;
  if (ctx.epoch <= warmup) return null;
  if (!st.weights) {
    const k = ctx.numClasses;
    const P = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (st.counts?.[i] ? st.sums![i][j] / st.counts[i] : i === j ? 1 : 0)));
    st.weights = dafaWeights(P, lambda);
    delete st.sums;
    delete st.counts;
  }
  return st.weights;
}

export const dafa: TrainMethod = {
  entry: {
    name: 'dafa',
    ...adversarialTraits('about (steps + 1)×'),
    title: 'Class-aware adversarial training (DAFA-style, robust fairness)',
    description:
      'Adversarial training that, after a warm-up, gives classes that are easily confused with similar classes a larger loss weight and a larger training radius (simplified DAFA). Raises the worst class’s robust accuracy at little cost in average robust accuracy; same time as PGD-AT.',
    params: [
      epsParam(),
      { key: 'lambda', label: 'Lambda (reweighting strength)', type: 'number', min: 0, max: 10, step: 0.1, default: 1, help: 'How strongly class weights and radii follow the class confusions; 0 is plain PGD-AT.' },
      { key: 'warmupEpochs', label: 'Warm-up epochs', type: 'integer', min: 1, max: 1000, default: 1, help: 'Epochs of plain PGD-AT used to measure which classes are confused before the weights are set.' },
      stepsParam(10),
      stepSizeParam(),
      randomStartParam(),
    ],
  },
  monitorEps: (p) => p.eps as number,
  async prepare(model, x, y, p, ctx) {
    const eps = p.eps as number;
    const weights = classWeights(ctx, p.lambda as number, p.warmupEpochs as number);
    const labels = y.dataSync();
    let scale: Float32Array | undefined;
    if (weights) {
      scale = new Float32Array(labels.length);
      for (let i = 0; i < labels.length; i++) scale[i] = eps > 0 ? Math.min(weights[labels[i]], 1 / eps) : 1;
    }
    const xAdv = linfAdversary(model, x, y, {
      eps,
      steps: p.steps as number,
      stepSize: p.stepSize as number,
      start: p.randomStart ? 'uniform' : 'none',
      rng: ctx.rng,
      scale,
    });
    if (ctx.epoch === (p.warmupEpochs as number)) {
      // The last warm-up epoch: collect the class-wise mean adversarial predictions.
      const st = ctx.state as DafaState;
      const k = ctx.numClasses;
      st.sums ??= Array.from({ length: k }, () => new Array(k).fill(0));
      st.counts ??= new Array(k).fill(0);
      const probs = tf.tidy(() => tf.softmax(model.forward(xAdv, { training: false })));
      const pv = probs.dataSync();
      probs.dispose();
      for (let i = 0; i < labels.length; i++) {
        st.counts[labels[i]]++;
        for (let j = 0; j < k; j++) st.sums[labels[i]][j] += pv[i * k + j];
      }
    }
    return xAdv;
  },
  loss(model, xAdv, y, p, ctx) {
    const logits = model.forward(xAdv, { training: true });
    const weights = (ctx.state as DafaState).weights;
    const per = ce(logits, y);
    const metrics: Record<string, tf.Scalar> = { adv_accuracy: batchAccuracy(logits, y) };
    if (!weights || ctx.epoch <= (p.warmupEpochs as number)) return { loss: tf.mean(per) as tf.Scalar, logits, metrics };
    const w = tf.gather(tf.tensor1d(weights), tf.cast(y, 'int32'));
    metrics.max_class_weight = tf.scalar(Math.max(...weights));
    return { loss: tf.mean(tf.mul(per, w)) as tf.Scalar, logits, metrics };
  },
};
