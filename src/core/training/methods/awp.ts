/**
 * AWP, adversarial weight perturbation (Wu et al., 2020), on top of PGD adversarial training:
 * after crafting the PGD batch, every weight matrix / kernel w_l (biases stay) moves by
 * γ·‖w_l‖·g_l/‖g_l‖ along the gradient g_l of the adversarial loss (one normalized ascent step,
 * a simplification of the paper's proxy-optimizer step), the gradient is taken there, and the
 * weights move back before the update. Flattens the robust loss landscape and reduces robust
 * overfitting.
 */
import { tf } from '../../engine/backend';
import { linfAdversary } from '../adversary';
import { ce } from '../losses/common';
import { epsParam, randomStartParam, stepSizeParam, stepsParam } from './common-params';
import type { TrainMethod } from './method';
import { batchAccuracy } from './pgd-at';
import { gradientsAt, moveWeights } from './weight-perturbation';
import { adversarialTraits } from '../../../shared/methods';

export const awp: TrainMethod = {
  entry: {
    name: 'awp',
    ...adversarialTraits('a little more than PGD-AT'),
    title: 'Adversarial weight perturbation (AWP + PGD-AT)',
    description:
      'PGD adversarial training that also perturbs the weights in the worst direction before each update (Wu et al.), which reduces robust overfitting and usually adds a few points of robust accuracy. Costs about one extra gradient pass over PGD-AT.',
    params: [
      {
        key: 'gamma',
        label: 'Gamma (weight perturbation size)',
        type: 'number',
        min: 0,
        max: 1,
        step: 0.001,
        default: 0.01,
        help: 'Size of the weight perturbation relative to each layer’s weight norm (0.005–0.01 in the paper). 0 is plain PGD-AT.',
      },
      {
        key: 'awpWarmup',
        label: 'AWP warm-up epochs',
        type: 'integer',
        min: 0,
        max: 1000,
        default: 0,
        help: 'Epochs of plain PGD-AT before the weight perturbation starts.',
        advanced: true,
      },
      epsParam(),
      stepsParam(10),
      stepSizeParam(),
      randomStartParam(),
    ],
  },
  monitorEps: (p) => p.eps as number,
  async prepare(model, x, y, p, ctx) {
    return linfAdversary(model, x, y, {
      eps: p.eps as number,
      steps: p.steps as number,
      stepSize: p.stepSize as number,
      start: p.randomStart ? 'uniform' : 'none',
      rng: ctx.rng,
    });
  },
  perturbWeights(model, lossAt, p, ctx) {
    const gamma = p.gamma as number;
    if (!(gamma > 0) || ctx.epoch <= (p.awpWarmup as number)) return null;
    const vars = model.variables();
    const grads = gradientsAt(model, lossAt);
    const deltas: (tf.Tensor | null)[] = grads.map((g, i) => {
      if (vars[i].rank < 2) return null;
      return tf.tidy(() => tf.mul(g, tf.div(tf.mul(tf.norm(vars[i]), gamma), tf.add(tf.norm(g), 1e-12))));
    });
    tf.dispose(grads);
    const restore = moveWeights(model, deltas);
    tf.dispose(deltas.filter((d): d is tf.Tensor => d !== null));
    return restore;
  },
  loss(model, xAdv, y) {
    const logits = model.forward(xAdv, { training: true });
    return { loss: tf.mean(ce(logits, y)) as tf.Scalar, logits, metrics: { adv_accuracy: batchAccuracy(logits, y) } };
  },
};
