/**
 * APGD-T: targeted Auto-PGD on the targeted DLR loss
 *   -(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4)/2 + 1e-12)
 * (Croce & Hein 2020), run once per target class: the classes with the 2nd, 3rd, ... largest
 * clean logits (9 by default, all other classes when there are fewer), each run only on the
 * points that no earlier target broke. Success is any misclassification, as in AutoAttack.
 * Needs at least 4 classes.
 */
import { tf } from '../engine/backend';
import type { Attack, Norm } from './attack';
import { apgdAttack, apgdParams, checkApgdParams } from './apgd-core';
import { requireClasses } from './losses';
import { rankedTargets } from './targets';
import { copyRow, labelsOf, logitsOf } from './util';

export const apgdT: Attack = {
  entry: {
    name: 'apgd-t',
    title: 'APGD-T (targeted Auto-PGD, logit-ratio loss)',
    description:
      'Auto-PGD aimed in turn at each of the classes the model finds most likely after the true one (9 by default), on the targeted DLR loss. A point is broken if any of these runs makes the model wrong. Stronger than untargeted attacks on many defended models; needs at least 4 classes.',
    params: [
      ...apgdParams(),
      {
        key: 'targetClasses',
        label: 'Target classes',
        type: 'integer',
        min: 1,
        max: 1000,
        default: 9,
        help: 'How many target classes to try, starting from the most likely wrong class (AutoAttack uses 9).',
      },
    ],
  },
  minClasses: () => 4,
  radius: (p) => ({ norm: p.norm as Norm, eps: p.eps as number }),
  check: (p) => checkApgdParams(p, 'APGD-T'),
  async run(model, x, y, params, ctx) {
    const n = x.shape[0];
    const d = n ? x.size / n : 0;
    const labels = labelsOf(y);
    const z0 = logitsOf(model, x);
    const k = n ? z0.length / n : (ctx.numClasses ?? 0);
    requireClasses('dlr-targeted', k, 'APGD-T');
    const fooled = new Uint8Array(n);
    const best = Float32Array.from(x.dataSync() as Float32Array);
    let gradEvals = 0;
    let queries = n;
    const runs = Math.min(params.targetClasses as number, k - 1);
    let first = true;
    for (let rank = 2; rank <= runs + 1; rank++) {
      const only = new Uint8Array(n);
      let any = false;
      for (let i = 0; i < n; i++) {
        only[i] = fooled[i] ? 0 : 1;
        any ||= !fooled[i];
      }
      if (!any) break;
      const r = await apgdAttack(model, x, labels, {
        norm: params.norm as Norm,
        eps: params.eps as number,
        steps: params.steps as number,
        restarts: params.restarts as number,
        loss: 'dlr-targeted',
        targets: rankedTargets(z0, n, k, rank),
        rng: ctx.rng.fork(`target-${rank}`),
        // Counts steps across the target classes, so the job's progress keeps moving forward.
        tick: (info) => ctx.tick(info && { ...info, iteration: (rank - 2) * (info.iterations ?? 0) + (info.iteration ?? 0), iterations: runs * (info.iterations ?? 0) }),
        label: 'apgd-t',
        only,
      });
      gradEvals += r.gradEvals;
      queries += r.queries;
      for (let i = 0; i < n; i++) {
        if (!only[i]) continue;
        // Broken points take their adversarial image; unbroken ones keep the first run's.
        if (r.fooled[i] || first) copyRow(r.best, i, best, i, d);
        if (r.fooled[i]) fooled[i] = 1;
      }
      first = false;
    }
    return { xAdv: tf.tensor4d(best, x.shape), fooled, gradEvals: n ? gradEvals / n : 0, queries: n ? queries / n : 0 };
  },
};
