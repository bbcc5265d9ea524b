/**
 * APGD-CE: Auto-PGD on the cross-entropy loss (Croce & Hein 2020); the first member of AutoAttack.
 */
import { tf } from '../engine/backend';
import type { Attack, Norm } from './attack';
import { apgdAttack, apgdParams, checkApgdParams } from './apgd-core';
import { labelsOf } from './util';

export const apgdCe: Attack = {
  entry: {
    name: 'apgd-ce',
    title: 'APGD-CE (Auto-PGD, cross-entropy)',
    description:
      'PGD with momentum and a step size that adjusts itself (halved whenever progress stalls), so it needs no tuning and is usually stronger than PGD with the same number of steps. Maximises the cross-entropy loss.',
    params: apgdParams(),
  },
  radius: (p) => ({ norm: p.norm as Norm, eps: p.eps as number }),
  check: (p) => checkApgdParams(p, 'APGD-CE'),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    const r = await apgdAttack(model, x, labelsOf(y), {
      norm: params.norm as Norm,
      eps: params.eps as number,
      steps: params.steps as number,
      restarts: params.restarts as number,
      loss: 'ce',
      rng: ctx.rng,
      tick: ctx.tick,
      label: 'apgd-ce',
    });
    return { xAdv: tf.tensor4d(r.best, x.shape), fooled: r.fooled, gradEvals: n ? r.gradEvals / n : 0, queries: n ? r.queries / n : 0 };
  },
};
