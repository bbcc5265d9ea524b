/**
 * Pieces shared by the corruption families: the "parameter set" choice between the published
 * CIFAR-10-C values (small images) and ImageNet-C values (large images), the optional free
 * strength that overrides a severity's value, and severity lookups.
 */
import type { ParamDescriptor } from '../../shared/schemas';
import type { ParamValues } from '../params';
import type { FloatImage } from './image';

/** Images up to this many pixels on their longer side use the CIFAR-10-C values under 'auto'. */
export const SMALL_IMAGE_MAX_SIDE = 64;

export type Regime = 'small' | 'large';

export const PRESET_PARAM: ParamDescriptor = {
  key: 'preset',
  label: 'Parameter set',
  type: 'enum',
  default: 'auto',
  options: [
    { value: 'auto', label: 'Automatic (by image size)' },
    { value: 'cifar', label: 'CIFAR-10-C (small images)' },
    { value: 'imagenet', label: 'ImageNet-C (large images)' },
  ],
  help: `Which published severity values to use. Automatic takes the CIFAR-10-C values for images up to ${SMALL_IMAGE_MAX_SIDE} pixels on a side and the ImageNet-C values for larger ones.`,
  advanced: true,
};

export function regimeOf(img: FloatImage, params: ParamValues): Regime {
  const p = params.preset;
  if (p === 'cifar') return 'small';
  if (p === 'imagenet') return 'large';
  return Math.max(img.height, img.width) <= SMALL_IMAGE_MAX_SIDE ? 'small' : 'large';
}

/** The value of a severity (1..5) from a table of five. */
export function level<T>(table: readonly T[], severity: number): T {
  return table[Math.min(table.length, Math.max(1, severity)) - 1];
}

/** The severity's value from the small- or large-image table. */
export function pick<S, L>(small: readonly S[], large: readonly L[], img: FloatImage, params: ParamValues, severity: number): S | L {
  return regimeOf(img, params) === 'small' ? level(small, severity) : level(large, severity);
}

/**
 * A free "strength" that replaces the severity's main value when above 0, so a person can go
 * between or beyond the five published levels.
 */
export function strengthParam(d: { label: string; help: string; max: number; step: number; unit?: string; min?: number }): ParamDescriptor {
  return {
    key: 'strength',
    label: d.label,
    type: 'number',
    min: d.min ?? 0,
    max: d.max,
    step: d.step,
    default: 0,
    unit: d.unit,
    help: `${d.help} 0 uses the value of the chosen severity.`,
  };
}

/** The strength when set (> 0), else the severity's value. */
export function strengthOr(params: ParamValues, fallback: number): number {
  const s = params.strength;
  return typeof s === 'number' && s > 0 ? s : fallback;
}

export function describeLevels(unit: string, small: readonly (number | string)[], large?: readonly (number | string)[]): string {
  if (!large) return `Severities 1–5: ${unit} ${small.join(', ')}.`;
  return `Severities 1–5: ${unit} ${small.join(', ')} on small images (CIFAR-10-C), ${large.join(', ')} on large ones (ImageNet-C).`;
}
