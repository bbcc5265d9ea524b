/**
 * PGD under an L-inf budget (Madry et al., 2018): repeated signed-gradient steps of size alpha,
 * each followed by projection onto the eps-ball and the pixel range, from a random start inside
 * the ball. With restarts, a point counts robust only if it survives every restart; a point is
 * broken as soon as any iterate (all of which lie inside the ball) is misclassified.
 */
import { tf } from '../engine/backend';
import { LabError } from '../../shared/errors';
import type { Attack } from './attack';
import { lossGradient, misclassified, projectLinf, selectRows } from './util';

export function pgdStepSize(eps: number, steps: number, stepSize: number): number {
  // 0 means automatic: 2.5 * eps / steps, enough to cross the ball from any start (Madry et al.).
  return stepSize > 0 ? stepSize : (2.5 * eps) / steps;
}

export const pgd: Attack = {
  entry: {
    name: 'pgd',
    title: 'PGD (projected gradient descent, L∞)',
    description:
      'Many small steps that each increase the loss, kept within eps of the original image. The standard first-order attack; use several restarts for a trustworthy number.',
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
        label: 'Steps',
        type: 'integer',
        min: 1,
        max: 10000,
        default: 20,
        help: 'Gradient steps per restart; more steps find stronger attacks and cost proportionally more time.',
      },
      {
        key: 'stepSize',
        label: 'Step size',
        type: 'number',
        min: 0,
        max: 1,
        step: 0.001,
        default: 0,
        unit: 'pixel (0–1)',
        help: 'Change per step; 0 picks 2.5 × eps / steps automatically.',
        advanced: true,
      },
      {
        key: 'restarts',
        label: 'Restarts',
        type: 'integer',
        min: 1,
        max: 100,
        default: 1,
        help: 'Independent attempts from different random starts; a point is robust only if it survives all of them.',
        advanced: true,
      },
      {
        key: 'randomStart',
        label: 'Random start',
        type: 'boolean',
        default: true,
        help: 'Start each attempt from a random point inside the allowed region instead of the image itself.',
        advanced: true,
      },
    ],
  },
  radius: (p) => ({ norm: 'linf', eps: p.eps as number }),
  check(p) {
    if ((p.restarts as number) > 1 && p.randomStart === false) {
      throw new LabError('bad_input', 'PGD restarts need a random start: without it every restart repeats the same path; set randomStart to true or restarts to 1.');
    }
  },
  async run(model, x, y, params, ctx) {
    const eps = params.eps as number;
    const steps = params.steps as number;
    const restarts = params.restarts as number;
    const alpha = pgdStepSize(eps, steps, params.stepSize as number);
    const n = x.shape[0];
    const fooled = misclassified(model, x, y);
    // The best adversarial point found so far per image (the clean image until one is found).
    let best = tf.keep(x.clone());
    let gradEvals = 0;
    for (let r = 0; r < restarts; r++) {
      if (fooled.every((f) => f === 1)) break;
      let xAdv: tf.Tensor4D;
      if (params.randomStart) {
        const noise = ctx.rng.fork(`pgd-restart-${r}`).fillUniform(new Float32Array(x.size), -eps, eps);
        xAdv = tf.tidy(() => tf.clipByValue(tf.add(x, tf.tensor(noise, x.shape)), 0, 1) as tf.Tensor4D);
      } else {
        xAdv = x.clone();
      }
      for (let t = 0; t <= steps; t++) {
        await ctx.tick();
        // Check the current iterate; at t < steps the same pass also gives the next step's gradient.
        let wrong: Uint8Array;
        let grad: tf.Tensor4D | null = null;
        if (t < steps) {
          const g = lossGradient(model, xAdv, y);
          grad = g.grad;
          wrong = g.wrong;
          gradEvals++;
        } else {
          wrong = misclassified(model, xAdv, y);
        }
        const newly = new Uint8Array(n);
        let any = false;
        for (let i = 0; i < n; i++) {
          if (wrong[i] && !fooled[i]) {
            newly[i] = 1;
            fooled[i] = 1;
            any = true;
          }
        }
        if (any) {
          const next = selectRows(newly, xAdv, best);
          best.dispose();
          best = tf.keep(next);
        }
        if (grad) {
          const stepped = tf.tidy(() => projectLinf(tf.add(xAdv, tf.mul(tf.sign(grad!), alpha)) as tf.Tensor4D, x, eps));
          grad.dispose();
          xAdv.dispose();
          xAdv = stepped;
        }
      }
      xAdv.dispose();
    }
    return { xAdv: best, fooled, gradEvals };
  },
};
