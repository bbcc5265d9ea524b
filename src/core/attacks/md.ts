/**
 * MD attack: margin decomposition (Ma et al., "Imbalanced gradients: a subtle cause of
 * overestimated adversarial robustness", Machine Learning 2023 / arXiv 2006.13726).
 *
 * The margin loss z_max - z_y (z_max: the largest logit other than the true class) is a sum of
 * two terms whose gradients can be badly imbalanced: one term dominates, the attack follows it,
 * and the model looks robust although it is not. MD therefore runs in two stages within each
 * run of `steps` L-inf PGD steps:
 *   1. for the first `stage1` fraction of the steps it maximises ONE term alone: -z_y in the
 *      first run of each restart, z_max in the second;
 *   2. then it maximises the full margin z_max - z_y.
 * Each stage starts its step size at 2 eps and anneals it to 0 along a cosine,
 * alpha_t = eps (1 + cos(pi t / T)), restarting the schedule at the second stage. Every run
 * starts from a uniform random point in the eps-box. A restart is thus two runs (one per term);
 * a point counts broken at its first misclassified iterate.
 */
import { tf } from '../engine/backend';
import type { Attack } from './attack';
import { iterativeAttack } from './iterative';
import { labelsOf } from './util';

export const md: Attack = {
  entry: {
    name: 'md',
    title: 'MD attack (margin decomposition)',
    description:
      'Two-stage attack for models whose gradients are imbalanced: it first pushes down the true class’s score alone (or up the strongest wrong class alone), then the full margin between them. Breaks models that only look robust to PGD because one part of the loss hides the other.',
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
        help: 'Largest change allowed per pixel, on the 0–1 scale.',
      },
      {
        key: 'steps',
        label: 'Steps per run',
        type: 'integer',
        min: 2,
        max: 10000,
        default: 50,
        help: 'Gradient steps of each run (both stages together).',
      },
      {
        key: 'stage1',
        label: 'First-stage fraction',
        type: 'number',
        min: 0,
        max: 1,
        step: 0.05,
        default: 0.5,
        help: 'Fraction of the steps spent on a single term before switching to the full margin.',
        advanced: true,
      },
      {
        key: 'restarts',
        label: 'Restarts',
        type: 'integer',
        min: 1,
        max: 100,
        default: 1,
        help: 'Each restart is two runs (one per term), from fresh random starts, on the points still unbroken.',
      },
    ],
  },
  radius: (p) => ({ norm: 'linf', eps: p.eps as number }),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    const eps = params.eps as number;
    const steps = params.steps as number;
    const change = Math.min(steps, Math.max(0, Math.round((params.stage1 as number) * steps)));
    const cosine = (t: number, len: number) => (len > 0 ? 0.5 * (1 + Math.cos((Math.PI * t) / len)) : 1);
    const r = await iterativeAttack(model, x, labelsOf(y), {
      norm: 'linf',
      eps: new Float32Array(n).fill(eps),
      alpha: new Float32Array(n).fill(2 * eps),
      steps,
      passes: 2 * (params.restarts as number),
      randomStart: true,
      loss: (t, pass) => (t < change ? (pass % 2 === 0 ? 'neg-true-logit' : 'max-other-logit') : 'margin'),
      alphaFactor: (t) => (t < change ? cosine(t, change) : cosine(t - change, steps - change)),
      rng: ctx.rng,
      tick: ctx.tick,
      label: 'md',
    });
    return { xAdv: tf.tensor4d(r.best, x.shape), fooled: r.fooled, gradEvals: n ? r.gradEvals / n : 0, queries: n ? r.queries / n : 0 };
  },
};
