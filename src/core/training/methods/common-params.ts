/**
 * Parameter descriptors several methods share (the same names, ranges and help everywhere), and
 * small helpers for the training schedules of certified training.
 */
import type { ParamDescriptor } from '../../../shared/schemas';
import type { ParamValues } from '../../params';
import type { MethodStepContext } from './method';

export function epsParam(def = 0.1, help?: string): ParamDescriptor {
  return {
    key: 'eps',
    label: 'Epsilon',
    type: 'number',
    min: 0,
    max: 1,
    step: 0.01,
    default: def,
    unit: 'pixel (0–1)',
    help: help ?? 'Largest change per pixel the training defends against, on the 0–1 scale (0.1 is common for digits, 8/255 ≈ 0.031 for photos).',
  };
}

export function stepsParam(def = 10): ParamDescriptor {
  return {
    key: 'steps',
    label: 'Attack steps',
    type: 'integer',
    min: 1,
    max: 1000,
    default: def,
    help: 'Gradient steps of the attack that makes each training batch; each step costs about one extra training pass, so 10 steps ≈ 11× the time of standard training.',
  };
}

export function stepSizeParam(): ParamDescriptor {
  return {
    key: 'stepSize',
    label: 'Attack step size',
    type: 'number',
    min: 0,
    max: 1,
    step: 0.001,
    default: 0,
    unit: 'pixel (0–1)',
    help: 'Change per attack step; 0 picks 2.5 × eps / steps.',
    advanced: true,
  };
}

export function randomStartParam(): ParamDescriptor {
  return {
    key: 'randomStart',
    label: 'Random start',
    type: 'boolean',
    default: true,
    help: 'Start the attack from a random point inside the allowed region, which finds stronger attacks and avoids a degenerate fixed pattern.',
    advanced: true,
  };
}

export function rampParams(): ParamDescriptor[] {
  return [
    {
      key: 'warmupEpochs',
      label: 'Warm-up epochs',
      type: 'number',
      min: 0,
      max: 1000,
      step: 0.5,
      default: 0,
      help: 'Epochs of plain training (eps = 0) before the radius starts to grow.',
    },
    {
      key: 'rampEpochs',
      label: 'Ramp epochs',
      type: 'number',
      min: 0,
      max: 1000,
      step: 0.5,
      default: 0,
      help: 'Epochs over which the radius grows linearly from 0 to eps (and the loss mix moves to its final value); 0 = half of the training after the warm-up. Growing it slowly is what makes certified training work.',
    },
  ];
}

/** Fraction 0..1 of the way through the ramp at this step (fractional epochs). */
export function rampFraction(p: ParamValues, ctx: MethodStepContext): number {
  const t = ctx.step / ctx.stepsPerEpoch;
  const warm = p.warmupEpochs as number;
  let ramp = p.rampEpochs as number;
  if (!(ramp > 0)) ramp = Math.max((ctx.epochs - warm) / 2, 1 / ctx.stepsPerEpoch);
  return Math.min(1, Math.max(0, (t - warm) / ramp));
}
