/**
 * APGD-DLR: Auto-PGD on the difference-of-logits-ratio loss
 *   DLR = -(z_y - max_{i!=y} z_i) / (z_pi1 - z_pi3 + 1e-12)
 * (Croce & Hein 2020), which does not change when the logits are shifted or scaled, so models
 * that only look robust because their logits are huge (saturated softmax) do not fool it.
 * Needs at least 3 classes.
 */
import { tf } from '../engine/backend';
import type { Attack, Norm } from './attack';
import { apgdAttack, apgdParams, checkApgdParams } from './apgd-core';
import { requireClasses } from './losses';
import { labelsOf } from './util';

export const apgdDlr: Attack = {
  entry: {
    name: 'apgd-dlr',
    title: 'APGD-DLR (Auto-PGD, logit-ratio loss)',
    description:
      'Auto-PGD on the DLR loss, a ratio of logit differences that ignores how large the logits are. It sees through models whose cross-entropy gradients vanish because of very confident outputs. Needs at least 3 classes.',
    params: apgdParams(),
  },
  minClasses: () => 3,
  radius: (p) => ({ norm: p.norm as Norm, eps: p.eps as number }),
  check: (p) => checkApgdParams(p, 'APGD-DLR'),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    if (ctx.numClasses !== undefined) requireClasses('dlr', ctx.numClasses, 'APGD-DLR');
    const r = await apgdAttack(model, x, labelsOf(y), {
      norm: params.norm as Norm,
      eps: params.eps as number,
      steps: params.steps as number,
      restarts: params.restarts as number,
      loss: 'dlr',
      rng: ctx.rng,
      tick: ctx.tick,
      label: 'apgd-dlr',
    });
    return { xAdv: tf.tensor4d(r.best, x.shape), fooled: r.fooled, gradEvals: n ? r.gradEvals / n : 0, queries: n ? r.queries / n : 0 };
  },
};
