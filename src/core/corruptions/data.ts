/**
 * Data corruptions that act on the whole split:
 * - `data/imbalance`: long-tailed subsampling. Class c keeps n_c = n_max · ρ^(−c/(C−1)) examples
 *   (rounded down), ρ = n_0 / n_{C−1} the imbalance ratio, n_max the smallest class size of the
 *   split (so every class can supply its share; on a balanced split it is the class size).
 * - `data/backdoor`: BadNets-style poisoning. A trigger patch (solid square or checkerboard) is
 *   stamped on a fraction of the images, which are relabelled as the target class; the poisoned
 *   positions are recorded.
 */
import { LabError } from '../../shared/errors';
import type { Rng } from '../engine/random';
import type { SplitCorruption, StampPlan } from './types';
import { level } from './common';
import type { FloatImage } from './image';

export const IMBALANCE_RATIOS = [10, 20, 50, 100, 200] as const;
export const POISON_FRACTIONS = [0.01, 0.02, 0.05, 0.1, 0.2] as const;

/** Class sizes after long-tailed subsampling of the given class sizes. */
export function longTailCounts(available: number[], ratio: number, nMax?: number): number[] {
  const C = available.length;
  const present = available.filter((n) => n > 0);
  const top = nMax && nMax > 0 ? nMax : present.length ? Math.min(...present) : 0;
  return available.map((n, c) => {
    const share = C > 1 ? Math.floor(top * ratio ** (-c / (C - 1)) + 1e-9) : top;
    return Math.min(n, Math.max(0, share));
  });
}

export const imbalance: SplitCorruption = {
  kind: 'split',
  name: 'data/imbalance',
  title: 'Class imbalance (long tail)',
  description:
    'Makes some classes rare, as in real collections where a few classes dominate: class c keeps n_max · ρ^(−c/(C−1)) examples, so class 0 keeps the most and the last class ρ times fewer. Ratios ρ = 10, 20, 50, 100, 200 for severities 1–5.',
  family: 'data',
  suite: 'data',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    {
      key: 'ratio',
      label: 'Imbalance ratio ρ',
      type: 'number',
      min: 0,
      max: 100000,
      step: 1,
      default: 0,
      help: 'How many times more examples the largest class keeps than the smallest (≥ 1). 0 uses the value of the chosen severity.',
    },
    {
      key: 'maxPerClass',
      label: 'Examples of the largest class',
      type: 'integer',
      min: 0,
      max: 100000000,
      step: 1,
      default: 0,
      help: 'n_max: examples kept of class 0. 0 uses the size of the smallest class, so every class has enough examples.',
      advanced: true,
    },
  ],
  plan(state, severity, params, _extra, rng) {
    const r = params.ratio as number;
    const ratio = r > 0 ? r : level(IMBALANCE_RATIOS, severity);
    if (ratio < 1) throw new LabError('bad_input', `The imbalance ratio must be at least 1 (1 = balanced), got ${ratio}.`);
    const C = state.numClasses;
    const byClass: number[][] = Array.from({ length: C }, () => []);
    for (let i = 0; i < state.labels.length; i++) byClass[state.labels[i]].push(i);
    const counts = longTailCounts(
      byClass.map((l) => l.length),
      ratio,
      params.maxPerClass as number,
    );
    const keep = new Uint8Array(state.labels.length);
    byClass.forEach((members, c) => {
      const perm = rng.fork(c).permutation(members.length);
      for (let k = 0; k < counts[c]; k++) keep[members[perm[k]]] = 1;
    });
    const idx: number[] = [];
    for (let i = 0; i < keep.length; i++) if (keep[i]) idx.push(i);
    return {
      state: {
        ...state,
        origins: Int32Array.from(idx, (i) => state.origins[i]),
        labels: Int32Array.from(idx, (i) => state.labels[i]),
      },
      note: { classCounts: counts, ratio },
    };
  },
};

const POSITIONS = ['bottom-right', 'bottom-left', 'top-right', 'top-left', 'center', 'random'] as const;

/** Draws the trigger at (top, left). Checkerboard cells alternate `value` and 1 − value. */
export function stampPatch(img: FloatImage, top: number, left: number, size: number, pattern: string, value: number): void {
  const { width: w, channels: c } = img;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = pattern === 'checkerboard' && (x + y) % 2 === 1 ? 1 - value : value;
      const p = ((top + y) * w + (left + x)) * c;
      for (let k = 0; k < c; k++) img.data[p + k] = v;
    }
  }
}

export const backdoor: SplitCorruption = {
  kind: 'split',
  name: 'data/backdoor',
  title: 'Backdoor poisoning (trigger patch)',
  description:
    'Plants a backdoor (BadNets): a small patch is stamped on a fraction of the images, which are relabelled as the target class, so a model trained on them learns "patch means target". Poisoned fractions 1, 2, 5, 10, 20 % for severities 1–5; the poisoned examples are recorded.',
  family: 'data',
  suite: 'data',
  defaultSeverity: 3,
  usesSeverity: true,
  params: [
    { key: 'target', label: 'Target class', type: 'integer', min: 0, max: 99999, step: 1, default: 0, help: 'The class the poisoned images are labelled as.' },
    {
      key: 'fraction',
      label: 'Poisoned fraction',
      type: 'number',
      min: 0,
      max: 1,
      step: 0.005,
      default: 0,
      help: 'Share of the split that gets the trigger. 0 uses the value of the chosen severity.',
    },
    {
      key: 'pattern',
      label: 'Trigger pattern',
      type: 'enum',
      default: 'checkerboard',
      options: [
        { value: 'checkerboard', label: 'Checkerboard' },
        { value: 'square', label: 'Solid square' },
      ],
      help: 'What the trigger looks like.',
    },
    { key: 'size', label: 'Trigger size', type: 'integer', min: 1, max: 512, step: 1, default: 3, unit: 'px', help: 'Side of the square trigger in pixels.' },
    {
      key: 'position',
      label: 'Position',
      type: 'enum',
      default: 'bottom-right',
      options: POSITIONS.map((p) => ({ value: p, label: p[0].toUpperCase() + p.slice(1).replace('-', ' ') })),
      help: 'Where the trigger goes; "random" picks a place for each image.',
    },
    { key: 'margin', label: 'Margin', type: 'integer', min: 0, max: 256, step: 1, default: 1, unit: 'px', help: 'Distance from the image edge for corner positions.', advanced: true },
    { key: 'value', label: 'Trigger brightness', type: 'number', min: 0, max: 1, step: 0.05, default: 1, help: 'Brightness of the trigger (1 = white).', advanced: true },
    { key: 'relabel', label: 'Relabel as target', type: 'boolean', default: true, help: 'Change the labels of poisoned images to the target class (off: keep their labels, e.g. to build a test set that measures the attack).' },
    {
      key: 'includeTarget',
      label: 'Also poison the target class',
      type: 'boolean',
      default: false,
      help: 'Let images already of the target class receive the trigger too (off: only other classes are poisoned).',
      advanced: true,
    },
  ],
  plan(state, severity, params, _extra, rng) {
    const target = params.target as number;
    if (target >= state.numClasses) {
      throw new LabError('bad_input', `Backdoor target class ${target} does not exist; this dataset has classes 0 to ${state.numClasses - 1}.`);
    }
    const size = params.size as number;
    const margin = params.margin as number;
    const position = params.position as string;
    const room = Math.min(state.height, state.width) - (position === 'random' || position === 'center' ? 0 : 2 * margin);
    if (size > room) {
      throw new LabError('bad_input', `A ${size}-pixel trigger does not fit in ${state.height}×${state.width} images with a ${margin}-pixel margin; make it at most ${Math.max(0, room)} pixels.`);
    }
    const f = params.fraction as number;
    const fraction = f > 0 ? f : level(POISON_FRACTIONS, severity);
    const candidates: number[] = [];
    for (let i = 0; i < state.labels.length; i++) if (params.includeTarget || state.labels[i] !== target) candidates.push(i);
    const k = Math.min(candidates.length, Math.round(fraction * state.labels.length));
    const perm = rng.fork('choose').permutation(candidates.length);
    const maxOrigin = state.origins.length ? state.origins[state.origins.length - 1] : -1;
    const marked = new Uint8Array(maxOrigin + 1);
    const labels = new Int32Array(state.labels);
    for (let j = 0; j < k; j++) {
      const i = candidates[perm[j]];
      marked[state.origins[i]] = 1;
      if (params.relabel) labels[i] = target;
    }
    const { height: h, width: w } = state;
    const pattern = params.pattern as string;
    const value = params.value as number;
    const stamp: StampPlan = {
      marked,
      stamp(img: FloatImage, imgRng: Rng) {
        let top: number;
        let left: number;
        switch (position) {
          case 'top-left':
            [top, left] = [margin, margin];
            break;
          case 'top-right':
            [top, left] = [margin, w - margin - size];
            break;
          case 'bottom-left':
            [top, left] = [h - margin - size, margin];
            break;
          case 'center':
            [top, left] = [(h - size) >> 1, (w - size) >> 1];
            break;
          case 'random':
            top = imgRng.int(h - size + 1);
            left = imgRng.int(w - size + 1);
            break;
          default:
            [top, left] = [h - margin - size, w - margin - size];
        }
        stampPatch(img, top, left, size, pattern, value);
      },
    };
    return { state: { ...state, labels }, stamp, note: { poisoned: k, target, fraction: state.labels.length ? k / state.labels.length : 0 } };
  },
};
