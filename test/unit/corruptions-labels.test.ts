/**
 * Label and data corruptions on 10,000 labels: noise rates and transition matrices as asked,
 * true labels kept, matrix validation, long-tailed class counts, backdoor fraction and trigger;
 * and the recipe's errors for bad input.
 */
import { describe, expect, it } from 'vitest';
import { LabError } from '../../src/shared/errors';
import { runRecipe, applyRecipe } from '../../src/core/corruptions/recipe';
import { estimateTransition, labelNoiseRate, validateTransitionMatrix } from '../../src/core/corruptions/labels';
import { longTailCounts } from '../../src/core/corruptions/data';
import { colourImages, labelOnlySplit, mnistImages } from '../helpers/corruption-fixtures';
import type { RecipeInput } from '../../src/shared/schemas';
import type { SplitArrays } from '../../src/core/data/dataset';

const N = 10_000;
const C = 10;
const LABELS = labelOnlySplit(N, C);

function expectLabError(fn: () => unknown, code: string, re: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).code).toBe(code);
    expect((e as LabError).message).toMatch(re);
    return;
  }
  expect.unreachable(`expected a LabError matching ${re}`);
}

describe('label noise', () => {
  it('symmetric: measured rate r, spread evenly over the other classes, true labels kept', () => {
    for (const [params, rate] of [
      [{ rate: 0.3 }, 0.3],
      [{}, 0.4],
    ] as const) {
      const r = runRecipe(LABELS, { steps: [{ corruption: 'labels/symmetric', severity: 4, params }], seed: 1 });
      expect(Array.from(r.trueLabels!)).toEqual(Array.from(LABELS.labels));
      expect(r.report.labelNoiseRate).toBeCloseTo(labelNoiseRate(r.split.labels, LABELS.labels), 10);
      expect(Math.abs(r.report.labelNoiseRate! - rate)).toBeLessThan(0.02);
      const T = estimateTransition(r.split.labels, LABELS.labels, C);
      for (let i = 0; i < C; i++) {
        for (let j = 0; j < C; j++) expect(Math.abs(T[i][j] - (i === j ? 1 - rate : rate / (C - 1))), `T[${i}][${j}]`).toBeLessThan(0.04);
      }
      // The images are untouched.
      expect(Buffer.from(r.split.images).equals(Buffer.from(LABELS.images))).toBe(true);
    }
  });

  it('pair flip: class i becomes its mapped class with chance r (default i → i+1)', () => {
    const r = runRecipe(LABELS, { steps: [{ corruption: 'labels/pair_flip', params: { rate: 0.25 } }], seed: 2 });
    let flipped = 0;
    for (let i = 0; i < N; i++) {
      const y = LABELS.labels[i];
      const z = r.split.labels[i];
      if (z !== y) {
        flipped++;
        expect(z).toBe((y + 1) % C);
      }
    }
    expect(Math.abs(flipped / N - 0.25)).toBeLessThan(0.02);
    const map = [7, 1, 7, 8, 4, 6, 5, 1, 3, 9]; // MNIST-style confusions; 1, 4, 9 never flip
    const m = runRecipe(LABELS, { steps: [{ corruption: 'labels/pair_flip', params: { rate: 0.4 }, classMap: map }], seed: 3 });
    const T = estimateTransition(m.split.labels, LABELS.labels, C);
    for (let i = 0; i < C; i++) {
      if (map[i] === i) expect(T[i][i]).toBe(1);
      else {
        expect(Math.abs(T[i][map[i]] - 0.4)).toBeLessThan(0.06);
        expect(T[i][i] + T[i][map[i]]).toBeCloseTo(1, 10);
      }
    }
    expectLabError(() => runRecipe(LABELS, { steps: [{ corruption: 'labels/pair_flip', classMap: [1, 2, 3] }] }), 'bad_input', /class map has 3 entries but the dataset has 10 classes/);
    expectLabError(() => runRecipe(LABELS, { steps: [{ corruption: 'labels/pair_flip', classMap: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }] }), 'bad_input', /sends class 9 to 10/);
  });

  it('transition matrix: labels follow the rows; bad matrices are refused with a clear message', () => {
    const T: number[][] = Array.from({ length: C }, (_, i) => Array.from({ length: C }, (_, j) => (i === j ? 0.6 : j === (i + 3) % C ? 0.3 : j === (i + 5) % C ? 0.1 : 0)));
    const r = runRecipe(LABELS, { steps: [{ corruption: 'labels/transition', matrix: T }], seed: 4 });
    const est = estimateTransition(r.split.labels, LABELS.labels, C);
    for (let i = 0; i < C; i++) for (let j = 0; j < C; j++) expect(Math.abs(est[i][j] - T[i][j]), `T[${i}][${j}]`).toBeLessThan(0.05);
    expect(Math.abs(r.report.labelNoiseRate! - 0.4)).toBeLessThan(0.02);

    const bad = T.map((row) => [...row]);
    bad[2][2] = 0.5;
    expectLabError(() => validateTransitionMatrix(bad, C), 'bad_input', /Row 2 of the transition matrix sums to 0\.9; .*must sum to 1/);
    bad[2][2] = 0.7;
    bad[2][5] = -0.1;
    expectLabError(() => validateTransitionMatrix(bad, C), 'bad_input', /Entry \[2\]\[5\] .* is -0\.1; entries are probabilities/);
    expectLabError(() => validateTransitionMatrix(T.slice(1), C), 'bad_input', /10 rows for this dataset, got 9/);
    expectLabError(() => validateTransitionMatrix([...T.slice(1), [1, 0]], C), 'bad_input', /Row 9 .* must have 10 entries/);
    expectLabError(() => runRecipe(LABELS, { steps: [{ corruption: 'labels/transition' }] }), 'bad_input', /needs the matrix/);
    expectLabError(() => runRecipe(LABELS, { steps: [{ corruption: 'gaussian_noise', matrix: T }] }), 'bad_input', /only goes with label noise/);
  });
});

describe('class imbalance', () => {
  it('keeps n_c = n_max·ρ^(−c/(C−1)) examples of class c, in their original order', () => {
    const counts = longTailCounts(new Array(C).fill(1000), 100);
    expect(counts).toEqual(counts.map((_, c) => Math.floor(1000 * 100 ** (-c / 9) + 1e-9)));
    expect(counts[0]).toBe(1000);
    expect(counts[9]).toBe(10);
    const r = runRecipe(LABELS, { steps: [{ corruption: 'data/imbalance', params: { ratio: 100 } }], seed: 5 });
    expect(r.report.classCounts).toEqual(counts);
    expect(r.split.count).toBe(counts.reduce((a, b) => a + b, 0));
    const src = r.sourceIndices!;
    for (let i = 1; i < src.length; i++) expect(src[i]).toBeGreaterThan(src[i - 1]);
    for (let i = 0; i < src.length; i++) {
      expect(r.split.labels[i]).toBe(LABELS.labels[src[i]]);
      expect(r.split.images[i]).toBe(LABELS.images[src[i]]);
    }
    // Severity 3 is ρ = 50; on uneven classes n_max is the smallest class.
    expect(longTailCounts([900, 700, 800], 50)).toEqual([700, Math.floor(700 / Math.sqrt(50)), 14]);
    expectLabError(() => runRecipe(LABELS, { steps: [{ corruption: 'data/imbalance', params: { ratio: 0.5 } }] }), 'bad_input', /at least 1/);
  });
});

describe('backdoor poisoning', () => {
  const side = 8;
  const split = labelOnlySplit(N, C, 7, side);

  it('stamps the trigger on the asked fraction, relabels them as the target and records them', () => {
    const r = runRecipe(split, { steps: [{ corruption: 'data/backdoor', params: { fraction: 0.1, target: 3, pattern: 'checkerboard', size: 3 } }], seed: 6 });
    const poisoned = r.poisoned!;
    expect(poisoned.length).toBe(1000);
    expect(r.report.poisoned).toBe(1000);
    const isPoisoned = new Uint8Array(N);
    for (const i of poisoned) isPoisoned[i] = 1;
    const per = side * side;
    for (let i = 0; i < N; i++) {
      const img = r.split.images.subarray(i * per, (i + 1) * per);
      const orig = split.images.subarray(i * per, (i + 1) * per);
      if (isPoisoned[i]) {
        expect(split.labels[i]).not.toBe(3); // only other classes are poisoned
        expect(r.split.labels[i]).toBe(3);
        // Bottom-right 3×3 checkerboard, 1 px from the edges: white where (x + y) is even.
        for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) expect(img[(side - 4 + y) * side + (side - 4 + x)]).toBe((x + y) % 2 === 0 ? 255 : 0);
        expect(img[0]).toBe(orig[0]);
      } else {
        expect(r.split.labels[i]).toBe(split.labels[i]);
        expect(Buffer.from(img).equals(Buffer.from(orig))).toBe(true);
      }
    }
    expect(Array.from(r.trueLabels!)).toEqual(Array.from(split.labels));
  });

  it('a solid square at a random place, without relabelling (an attack test set)', () => {
    const r = runRecipe(split, { steps: [{ corruption: 'data/backdoor', severity: 2, params: { pattern: 'square', size: 2, position: 'random', relabel: false, value: 1 } }], seed: 8 });
    expect(r.poisoned!.length).toBe(Math.round(0.02 * N));
    expect(Array.from(r.split.labels)).toEqual(Array.from(split.labels));
    const per = side * side;
    for (const i of r.poisoned!) {
      const img = r.split.images.subarray(i * per, (i + 1) * per);
      let found = false;
      for (let y = 0; y < side - 1 && !found; y++) {
        for (let x = 0; x < side - 1 && !found; x++) {
          found = img[y * side + x] === 255 && img[y * side + x + 1] === 255 && img[(y + 1) * side + x] === 255 && img[(y + 1) * side + x + 1] === 255;
        }
      }
      expect(found, `image ${i} has a 2×2 white square`).toBe(true);
    }
  });

  it('refuses a missing target class and a trigger that does not fit', () => {
    expectLabError(() => runRecipe(split, { steps: [{ corruption: 'data/backdoor', params: { target: 12 } }] }), 'bad_input', /target class 12 does not exist; this dataset has classes 0 to 9/);
    expectLabError(() => runRecipe(split, { steps: [{ corruption: 'data/backdoor', params: { size: 7 } }] }), 'bad_input', /7-pixel trigger does not fit in 8×8 images/);
  });
});

describe('recipes: determinism and bad input', () => {
  const grey = mnistImages(20);

  it('the same recipe and seed give bit-identical arrays; the seed and the split name change them', () => {
    const recipe: RecipeInput = {
      steps: [
        { corruption: 'labels/symmetric', severity: 2 },
        { corruption: 'mnistc/rotate' },
        { corruption: 'data/backdoor', params: { fraction: 0.2, target: 1 } },
        { corruption: 'gaussian_noise', severity: 5 },
      ],
      seed: 17,
    };
    const a = applyRecipe(grey, recipe);
    const b = applyRecipe(grey, recipe);
    expect(Buffer.from(a.images).equals(Buffer.from(b.images))).toBe(true);
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    const c = applyRecipe(grey, { ...recipe, seed: 18 });
    expect(Buffer.from(a.images).equals(Buffer.from(c.images))).toBe(false);
    const d = applyRecipe(grey, recipe, { splitName: 'train' });
    expect(Buffer.from(a.images).equals(Buffer.from(d.images))).toBe(false);
    // A step limited to the train split leaves the test split alone.
    const e = runRecipe(grey, { steps: [{ corruption: 'labels/symmetric', splits: ['train'] }, { corruption: 'contrast' }] }, { splitName: 'test' });
    expect(e.trueLabels).toBeNull();
  });

  it('unknown corruption, severity 0 or 6, unknown parameter, wrong shape, colour-only on grey: clear LabErrors', () => {
    expectLabError(() => applyRecipe(grey, { steps: [{ corruption: 'gausian_noise' }] }), 'bad_input', /Unknown corruption "gausian_noise".*corruptions list/);
    expectLabError(() => applyRecipe(grey, { steps: [{ corruption: 'shear' }] }), 'bad_input', /did you mean mnistc\/shear/);
    expectLabError(() => applyRecipe(grey, { steps: [{ corruption: 'fog', severity: 0 }] }), 'bad_input', /Severity of fog must be a whole number from 1 to 5, got 0/);
    expectLabError(() => applyRecipe(grey, { steps: [{ corruption: 'fog', severity: 6 }] }), 'bad_input', /from 1 to 5, got 6/);
    expectLabError(() => applyRecipe(grey, { steps: [{ corruption: 'fog', severity: 2.5 }] }), 'bad_input', /got 2\.5/);
    expectLabError(() => applyRecipe(grey, { steps: [{ corruption: 'contrast' }, { corruption: 'fog', params: { sigma: 2 } }] }), 'bad_input', /Step 2: Unknown parameter "sigma" for corruption fog/);
    expectLabError(() => applyRecipe(grey, { steps: [{ corruption: 'gaussian_noise', params: { strength: 5 } }] }), 'bad_input', /at most 1, got 5/);
    expectLabError(() => applyRecipe(grey, { steps: [] }), 'bad_input', /at least one step/);
    const broken: SplitArrays = { ...grey, images: grey.images.subarray(0, 100) };
    expectLabError(() => applyRecipe(broken, { steps: [{ corruption: 'fog' }] }), 'shape_mismatch', /has 100 pixel values but 20 images of 28×28×1 need 15680/);
    expectLabError(() => applyRecipe({ ...grey, channels: 5, images: new Uint8Array(20 * 28 * 28 * 5) }, { steps: [{ corruption: 'fog' }] }), 'bad_input', /5 channels/);
    expectLabError(() => applyRecipe(grey, { steps: [{ corruption: 'saturate' }] }), 'bad_input', /grey images have none/);
    // Colour images are fine.
    expect(applyRecipe(colourImages(2), { steps: [{ corruption: 'saturate' }] }).count).toBe(2);
  });
});
