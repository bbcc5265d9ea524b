/**
 * PGD (Madry et al., 2018) under an L-inf budget (`pgd`) or an L2 budget (`pgd-l2`): repeated
 * steps of size alpha along the sign of the input gradient (L-inf) or the gradient scaled to unit
 * length (L2), each followed by projection onto the eps-ball and the pixel range, from a random
 * start inside the ball (uniform in the L-inf box; uniform in the L2 ball). With restarts, a
 * point counts robust only if it survives every restart; a point is broken as soon as any
 * iterate (all of which lie inside the ball) is misclassified.
 *
 * Targeted (param `targeted`): each point is pushed towards one class chosen from its clean
 * logits (least likely, random or runner-up) by descending the cross-entropy of that class; its
 * search ends when the model predicts the target.
 */
import { tf } from '../engine/backend';
import { LabError } from '../../shared/errors';
import type { ParamDescriptor } from '../../shared/schemas';
import type { ParamValues } from '../params';
import type { Attack, AttackContext, AttackResult, Norm } from './attack';
import type { Model } from '../models/model';
import { iterativeAttack } from './iterative';
import { chooseTargets, TARGET_PARAMS, type TargetRule } from './targets';
import { labelsOf, logitsOf } from './util';

export function pgdStepSize(eps: number, steps: number, stepSize: number): number {
  // 0 means automatic: 2.5 * eps / steps, enough to cross the ball from any start (Madry et al.).
  return stepSize > 0 ? stepSize : (2.5 * eps) / steps;
}

/** Targets for a targeted run, or null. Costs one forward pass when targeted. */
export function targetsFor(model: Model, x: tf.Tensor4D, y: Int32Array, params: ParamValues, ctx: AttackContext, label: string): Int32Array | null {
  if (!params.targeted) return null;
  const z = logitsOf(model, x);
  const k = y.length ? z.length / y.length : 0;
  return chooseTargets(params.target as TargetRule, z, y, k, ctx.rng.fork(`${label}-targets`));
}

/** Runs PGD with the given norm; shared by `pgd`, `pgd-l2` and FGSM (one step, no random start). */
export async function runPgd(
  model: Model,
  x: tf.Tensor4D,
  y: tf.Tensor1D,
  o: { norm: Norm; eps: number; steps: number; alpha: number; restarts: number; randomStart: boolean; params: ParamValues; label: string },
  ctx: AttackContext,
): Promise<AttackResult> {
  const n = x.shape[0];
  const labels = labelsOf(y);
  const targets = targetsFor(model, x, labels, o.params, ctx, o.label);
  const r = await iterativeAttack(model, x, labels, {
    norm: o.norm,
    eps: new Float32Array(n).fill(o.eps),
    alpha: new Float32Array(n).fill(o.alpha),
    steps: o.steps,
    passes: o.restarts,
    randomStart: o.randomStart,
    loss: () => (targets ? 'ce-targeted' : 'ce'),
    targets,
    rng: ctx.rng,
    tick: ctx.tick,
    label: o.label,
  });
  const res: AttackResult = {
    xAdv: tf.tensor4d(r.best, x.shape),
    fooled: r.fooled,
    gradEvals: n ? r.gradEvals / n : 0,
    queries: n ? (r.queries + (targets ? n : 0)) / n : 0,
  };
  if (targets) {
    res.targets = targets;
    res.targetHit = r.hit!;
  }
  return res;
}

function pgdParams(norm: Norm): ParamDescriptor[] {
  return [
    norm === 'linf'
      ? {
          key: 'eps',
          label: 'Epsilon',
          type: 'number',
          min: 0,
          max: 1,
          step: 0.01,
          default: 0.1,
          unit: 'pixel (0–1)',
          help: 'Largest change allowed per pixel, on the 0–1 scale.',
        }
      : {
          key: 'eps',
          label: 'Epsilon (L2)',
          type: 'number',
          min: 0,
          max: 1000,
          step: 0.1,
          default: 1.5,
          unit: 'L2 length (0–1 pixels)',
          help: 'Largest allowed length of the whole change, the square root of the summed squared pixel changes (0–1 scale). 1.5–2 is common for 28×28 digits, 0.5 for 32×32 colour photos.',
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
      max: norm === 'linf' ? 1 : 1000,
      step: 0.001,
      default: 0,
      unit: norm === 'linf' ? 'pixel (0–1)' : 'L2 length',
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
    ...TARGET_PARAMS,
  ];
}

export function makePgd(norm: Norm): Attack {
  const name = norm === 'linf' ? 'pgd' : 'pgd-l2';
  return {
    entry: {
      name,
      title: norm === 'linf' ? 'PGD (projected gradient descent, L∞)' : 'PGD-L2 (projected gradient descent, L2)',
      description:
        norm === 'linf'
          ? 'Many small steps that each increase the loss, kept within eps of the original image. The standard first-order attack; use several restarts for a trustworthy number.'
          : 'Many small steps that each increase the loss, keeping the total length of the change (L2 norm) within eps. Allows large changes to a few pixels instead of small changes to all of them.',
      params: pgdParams(norm),
    },
    radius: (p) => ({ norm, eps: p.eps as number }),
    check(p) {
      if ((p.restarts as number) > 1 && p.randomStart === false) {
        throw new LabError('bad_input', 'PGD restarts need a random start: without it every restart repeats the same path; set randomStart to true or restarts to 1.');
      }
    },
    async run(model, x, y, params, ctx) {
      const eps = params.eps as number;
      const steps = params.steps as number;
      return runPgd(
        model,
        x,
        y,
        { norm, eps, steps, alpha: pgdStepSize(eps, steps, params.stepSize as number), restarts: params.restarts as number, randomStart: params.randomStart as boolean, params, label: name },
        ctx,
      );
    },
  };
}

export const pgd: Attack = makePgd('linf');
