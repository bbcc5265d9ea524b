/**
 * Label noise: every label is redrawn from a row of a transition matrix T, where T[i][j] is the
 * chance that an example of true class i gets label j. Three ways to give T:
 * - `labels/symmetric`: keep the label with 1 − r, else a uniformly random *other* class;
 * - `labels/pair_flip` (asymmetric): class i becomes classMap[i] with chance r (default i → i+1);
 * - `labels/transition`: any matrix whose rows are probabilities.
 * The true labels are kept by the caller (stored next to the noisy ones), so the noise rate can be
 * measured afterwards.
 */
import { LabError } from '../../shared/errors';
import type { Rng } from '../engine/random';
import type { ParamDescriptor } from '../../shared/schemas';
import type { PlanState, SplitCorruption } from './types';
import { level } from './common';

export const LABEL_NOISE_RATES = [0.1, 0.2, 0.3, 0.4, 0.5] as const;

const RATE_PARAM: ParamDescriptor = {
  key: 'rate',
  label: 'Noise rate',
  type: 'number',
  min: 0,
  max: 1,
  step: 0.01,
  default: 0,
  help: 'Chance that a label is changed. 0 uses the value of the chosen severity (0.1, 0.2, 0.3, 0.4, 0.5 for severities 1–5).',
};

function checkClasses(numClasses: number, what: string): void {
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new LabError('bad_input', `${what} needs at least 2 classes; this dataset has ${numClasses}.`);
  }
}

/** T with 1 − r on the diagonal and r/(C − 1) everywhere else. */
export function symmetricMatrix(numClasses: number, rate: number): number[][] {
  checkClasses(numClasses, 'Symmetric label noise');
  const off = rate / (numClasses - 1);
  return Array.from({ length: numClasses }, (_, i) => Array.from({ length: numClasses }, (_, j) => (i === j ? 1 - rate : off)));
}

/** Checks a class map (one target class per class) and returns it; default i → (i + 1) mod C. */
export function checkClassMap(map: number[] | undefined, numClasses: number): number[] {
  if (!map) return Array.from({ length: numClasses }, (_, i) => (i + 1) % numClasses);
  if (map.length !== numClasses) {
    throw new LabError('bad_input', `The class map has ${map.length} entries but the dataset has ${numClasses} classes; give one target class per class (the class itself for "no flip").`);
  }
  map.forEach((t, i) => {
    if (!Number.isInteger(t) || t < 0 || t >= numClasses) {
      throw new LabError('bad_input', `The class map sends class ${i} to ${String(t)}; targets must be class numbers from 0 to ${numClasses - 1}.`);
    }
  });
  return map;
}

/** T for pair flipping: class i keeps its label with 1 − r and becomes map[i] with r. */
export function pairFlipMatrix(numClasses: number, rate: number, classMap?: number[]): number[][] {
  checkClasses(numClasses, 'Pair-flip label noise');
  const map = checkClassMap(classMap, numClasses);
  return Array.from({ length: numClasses }, (_, i) => {
    const row = new Array<number>(numClasses).fill(0);
    row[i] += 1 - rate;
    row[map[i]] += rate;
    return row;
  });
}

/** Checks a transition matrix: C×C, finite, non-negative, each row summing to 1 (within 1e-6). */
export function validateTransitionMatrix(matrix: unknown, numClasses: number): number[][] {
  if (!Array.isArray(matrix) || matrix.length !== numClasses) {
    const n = Array.isArray(matrix) ? matrix.length : 0;
    throw new LabError('bad_input', `The transition matrix must have one row per class: ${numClasses} rows for this dataset, got ${n}.`);
  }
  return matrix.map((row: unknown, i) => {
    if (!Array.isArray(row) || row.length !== numClasses) {
      throw new LabError('bad_input', `Row ${i} of the transition matrix must have ${numClasses} entries (one per class), got ${Array.isArray(row) ? row.length : 0}.`);
    }
    let sum = 0;
    row.forEach((v: unknown, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new LabError('bad_input', `Entry [${i}][${j}] of the transition matrix is ${String(v)}; entries are probabilities (numbers ≥ 0).`);
      }
      sum += v;
    });
    if (Math.abs(sum - 1) > 1e-6) {
      throw new LabError('bad_input', `Row ${i} of the transition matrix sums to ${+sum.toFixed(6)}; each row gives the chances of every label for class ${i} and must sum to 1.`);
    }
    return row as number[];
  });
}

/** Redraws every label from its row of T. */
export function applyTransition(labels: Int32Array, matrix: number[][], rng: Rng): Int32Array {
  const cum = matrix.map((row) => {
    const c = new Float64Array(row.length);
    let s = 0;
    for (let j = 0; j < row.length; j++) {
      s += row[j];
      c[j] = s;
    }
    return c;
  });
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    const row = cum[y];
    if (!row) throw new LabError('bad_input', `Label ${y} has no row in the transition matrix (${matrix.length} classes).`);
    const u = rng.next() * row[row.length - 1];
    let j = 0;
    while (j < row.length - 1 && u >= row[j]) j++;
    out[i] = j;
  }
  return out;
}

/** Share of labels that differ from the true ones. */
export function labelNoiseRate(noisy: ArrayLike<number>, clean: ArrayLike<number>): number {
  if (noisy.length !== clean.length) throw new LabError('shape_mismatch', `There are ${noisy.length} noisy labels but ${clean.length} true labels.`);
  let d = 0;
  for (let i = 0; i < noisy.length; i++) if (noisy[i] !== clean[i]) d++;
  return noisy.length ? d / noisy.length : 0;
}

/** The empirical transition matrix: row i = distribution of noisy labels among examples of true class i. */
export function estimateTransition(noisy: ArrayLike<number>, clean: ArrayLike<number>, numClasses: number): number[][] {
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < clean.length; i++) counts[clean[i]][noisy[i]]++;
  return counts.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s ? v / s : 0));
  });
}

function rateOf(params: Record<string, unknown>, severity: number): number {
  const r = params.rate as number;
  return r > 0 ? r : level(LABEL_NOISE_RATES, severity);
}

function relabel(state: PlanState, matrix: number[][], rng: Rng) {
  return { state: { ...state, labels: applyTransition(state.labels, matrix, rng) } };
}

export const symmetricLabelNoise: SplitCorruption = {
  kind: 'split',
  name: 'labels/symmetric',
  title: 'Label noise: symmetric',
  description:
    'Mislabels examples at random, as careless annotators would: each label is replaced, with the noise rate as chance, by one of the other classes picked uniformly. Rates 0.1–0.5 for severities 1–5.',
  family: 'labels',
  suite: 'labels',
  defaultSeverity: 2,
  usesSeverity: true,
  params: [RATE_PARAM],
  plan(state, severity, params, _extra, rng) {
    return relabel(state, symmetricMatrix(state.numClasses, rateOf(params, severity)), rng);
  },
};

export const pairFlipLabelNoise: SplitCorruption = {
  kind: 'split',
  name: 'labels/pair_flip',
  title: 'Label noise: pair flip (asymmetric)',
  description:
    'Confuses each class with one specific other class, as annotators mix up similar things (e.g. 7 ↔ 1): with the noise rate as chance, class i gets the label the class map gives it (default: the next class, i → i+1). Rates 0.1–0.5 for severities 1–5.',
  family: 'labels',
  suite: 'labels',
  defaultSeverity: 2,
  usesSeverity: true,
  needs: 'classMap',
  params: [RATE_PARAM],
  plan(state, severity, params, extra, rng) {
    return relabel(state, pairFlipMatrix(state.numClasses, rateOf(params, severity), extra.classMap), rng);
  },
};

export const transitionLabelNoise: SplitCorruption = {
  kind: 'split',
  name: 'labels/transition',
  title: 'Label noise: transition matrix',
  description:
    'Redraws every label from a transition matrix you give: row i lists the chances that an example of class i gets each label, so each row must sum to 1. The severity is not used.',
  family: 'labels',
  suite: 'labels',
  defaultSeverity: 1,
  usesSeverity: false,
  needs: 'matrix',
  params: [],
  plan(state, _severity, _params, extra, rng) {
    if (!extra.matrix) {
      throw new LabError('bad_input', 'Label noise with a transition matrix needs the matrix: give the step a "matrix" with one row of label chances per class.');
    }
    return relabel(state, validateTransitionMatrix(extra.matrix, state.numClasses), rng);
  },
};
