/**
 * What minimal-perturbation attacks (DeepFool, C&W, pgd-min) have in common: a per-point size of
 * the smallest breaking perturbation found, and a radius eps at which the headline robust
 * accuracy is read off (0 = no limit).
 */
import { tf } from '../engine/backend';
import type { ParamDescriptor } from '../../shared/schemas';
import type { AttackResult, Norm } from './attack';
import { copyRow } from './util';

export function minimalEpsParam(norm: Norm | 'either'): ParamDescriptor {
  return {
    key: 'eps',
    label: 'Report radius',
    type: 'number',
    min: 0,
    max: 1000,
    step: 0.01,
    default: 0,
    unit: norm === 'linf' ? 'pixel (0–1)' : norm === 'l2' ? 'L2 length' : 'in the attack’s norm',
    help: 'Robust accuracy is reported at this radius: a point counts as broken if its smallest breaking change is at most this large. 0 means no limit (only points the attack could not break at all count as robust). The full curve of accuracy against radius is always in the report.',
  };
}

/**
 * Builds the result of a minimal attack: points whose breaking perturbation fits the radius get
 * their adversarial image and count as fooled; the others keep the clean image.
 * `adv` holds the adversarial rows, `norms` their sizes (0 = misclassified already, Infinity =
 * none found).
 */
export function minimalResult(
  x: tf.Tensor4D,
  adv: Float32Array,
  norms: Float32Array,
  eps: number,
  cost: { gradEvals: number; queries: number },
): AttackResult {
  const n = x.shape[0];
  const d = n ? x.size / n : 0;
  const out = Float32Array.from(x.dataSync() as Float32Array);
  const fooled = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(norms[i]) && (eps <= 0 || norms[i] <= eps * (1 + 1e-6))) {
      fooled[i] = 1;
      copyRow(adv, i, out, i, d);
    }
  }
  return {
    xAdv: tf.tensor4d(out, x.shape),
    fooled,
    perturbation: norms,
    gradEvals: n ? cost.gradEvals / n : 0,
    queries: n ? cost.queries / n : 0,
  };
}
