/**
 * Choosing target classes for targeted attacks, from the clean logits.
 * - least-likely: the class with the smallest clean logit (the hardest target);
 * - random: a class other than the true one, uniformly at random (seeded);
 * - runner-up: the class with the largest clean logit other than the true one (the easiest).
 */
import type { Rng } from '../engine/random';
import { LabError } from '../../shared/errors';
import type { ParamDescriptor } from '../../shared/schemas';
import { maxOther, sortedClasses } from './losses';

export type TargetRule = 'least-likely' | 'random' | 'runner-up';

export function chooseTargets(rule: TargetRule, z: Float32Array, y: Int32Array, k: number, rng: Rng): Int32Array {
  const n = y.length;
  if (k < 2) throw new LabError('bad_input', 'A targeted attack needs at least 2 classes.');
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (rule === 'runner-up') {
      out[i] = maxOther(z, i, k, y[i]);
    } else if (rule === 'least-likely') {
      let best = Infinity;
      let arg = -1;
      for (let c = 0; c < k; c++) {
        if (c === y[i]) continue;
        if (z[i * k + c] < best || arg < 0) {
          best = z[i * k + c];
          arg = c;
        }
      }
      out[i] = arg;
    } else {
      const r = rng.int(k - 1);
      out[i] = r >= y[i] ? r + 1 : r;
    }
  }
  return out;
}

/** The class at rank `rank` (1 = largest) of each point's clean logits: APGD-T's targets. */
export function rankedTargets(z: Float32Array, n: number, k: number, rank: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = sortedClasses(z, i, k)[rank - 1];
  return out;
}

/** The two parameters that make FGSM and PGD targeted. */
export const TARGET_PARAMS: ParamDescriptor[] = [
  {
    key: 'targeted',
    label: 'Targeted',
    type: 'boolean',
    default: false,
    help: 'Push each image towards one chosen wrong class instead of any wrong class. Robust accuracy still counts every misclassification; the report also gives how often the target was reached.',
    advanced: true,
  },
  {
    key: 'target',
    label: 'Target class',
    type: 'enum',
    default: 'least-likely',
    options: [
      { value: 'least-likely', label: 'Least likely class (hardest)' },
      { value: 'random', label: 'Random wrong class' },
      { value: 'runner-up', label: 'Runner-up class (easiest)' },
    ],
    help: 'Which wrong class each image is pushed towards, chosen from the model’s outputs on the clean image (used only when Targeted is on).',
    advanced: true,
  },
];
