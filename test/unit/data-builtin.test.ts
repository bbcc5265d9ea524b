import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LabError } from '../../src/shared/errors';
import { BUILTIN_DATASETS, loadBuiltin, mulberry32 } from '../../src/core/data/builtin';
import { validateSplit } from '../../src/core/data/dataset';

const sha = (a: Uint8Array) => createHash('sha256').update(a).digest('hex');
const key = (s: { images: Uint8Array }, i: number) => sha(s.images.subarray(i * 784, (i + 1) * 784));
const classCounts = (labels: ArrayLike<number>) => {
  const c = new Array(10).fill(0);
  for (let i = 0; i < labels.length; i++) c[labels[i]!]++;
  return c;
};

describe('built-in mnist-digits', () => {
  const a = loadBuiltin('mnist-digits');

  it('is listed with ten class names', () => {
    expect(BUILTIN_DATASETS.map((d) => d.name)).toEqual(['mnist-digits']);
    expect(a.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('has 8000 train and 2000 test images of 28×28×1 with labels 0..9', () => {
    expect([a.height, a.width, a.channels]).toEqual([28, 28, 1]);
    expect([a.train.count, a.test.count]).toEqual([8000, 2000]);
    expect(a.train.images.length).toBe(8000 * 784);
    expect(a.test.images.length).toBe(2000 * 784);
    expect(validateSplit(a.train, 'train').numClasses).toBe(10);
    expect(validateSplit(a.test, 'test').numClasses).toBe(10);
  });

  it('splits every digit 80/20: test gets round(n/5) of the n images of each digit', () => {
    const train = classCounts(a.train.labels);
    const test = classCounts(a.test.labels);
    // The package ships 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 images of 0..9.
    expect(train.map((t, d) => t + test[d])).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(test).toEqual([200, 225, 198, 206, 196, 173, 203, 214, 189, 196]);
  });

  it('mixes the classes (no long runs of one digit)', () => {
    for (const s of [a.train, a.test]) {
      let run = 1;
      let longest = 1;
      for (let i = 1; i < s.count; i++) {
        run = s.labels[i] === s.labels[i - 1] ? run + 1 : 1;
        longest = Math.max(longest, run);
      }
      expect(longest).toBeLessThan(10);
      expect(new Set(Array.from(s.labels.subarray(0, 100))).size).toBe(10);
    }
  });

  it('is identical on every load, and each load returns its own arrays', () => {
    const b = loadBuiltin('mnist-digits');
    expect(b.train.images === a.train.images).toBe(false);
    expect(sha(b.train.images)).toBe(sha(a.train.images));
    expect(sha(b.test.images)).toBe(sha(a.test.images));
    expect(Buffer.from(b.train.labels).equals(Buffer.from(a.train.labels))).toBe(true);
    expect(Buffer.from(b.test.labels).equals(Buffer.from(a.test.labels))).toBe(true);
    b.train.images[0] = 77;
    expect(loadBuiltin('mnist-digits').train.images[0]).toBe(a.train.images[0]);
  });

  it('pins the exact split order (changing the split rule must be deliberate)', () => {
    expect(Array.from(a.train.labels.subarray(0, 20)).join('')).toBe('53188977522779582996');
    expect(sha(a.train.labels).slice(0, 16)).toBe(PINNED.trainLabels);
    expect(sha(a.test.labels).slice(0, 16)).toBe(PINNED.testLabels);
    expect(sha(a.train.images).slice(0, 16)).toBe(PINNED.trainImages);
    expect(sha(a.test.images).slice(0, 16)).toBe(PINNED.testImages);
  });

  it('has no image in both train and test', () => {
    const trainKeys = new Set<string>();
    for (let i = 0; i < a.train.count; i++) trainKeys.add(key(a.train, i));
    expect(trainKeys.size).toBe(8000);
    let shared = 0;
    for (let i = 0; i < a.test.count; i++) if (trainKeys.has(key(a.test, i))) shared++;
    expect(shared).toBe(0);
  });

  it('has pixel values spanning 0..255 and looks like digits (dark background, bright strokes)', () => {
    let min = 255;
    let max = 0;
    let sum = 0;
    for (const v of a.train.images) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    expect([min, max]).toEqual([0, 255]);
    const mean = sum / a.train.images.length;
    expect(mean).toBeGreaterThan(20);
    expect(mean).toBeLessThan(60);
    // Corners are background in every image.
    for (let i = 0; i < a.test.count; i++) expect(a.test.images[i * 784]).toBe(0);
  });

  it('unknown names are bad_input naming the built-in datasets', () => {
    try {
      loadBuiltin('cifar-100');
      throw new Error('no error');
    } catch (err) {
      expect(err).toBeInstanceOf(LabError);
      expect((err as LabError).code).toBe('bad_input');
      expect((err as LabError).message).toBe('There is no built-in dataset named "cifar-100"; the built-in datasets are: mnist-digits.');
    }
  });

  it('mulberry32 is a fixed sequence', () => {
    const r = mulberry32(42);
    expect([r(), r(), r()].map((v) => Math.floor(v * 2 ** 32))).toEqual(PINNED.mulberry42);
  });
});

/** Pinned from the first implementation; mulberry32(42) starts 0.6011037519…, its published first value. */
const PINNED = {
  trainLabels: '9e22402cada89b5f',
  testLabels: 'b84fbbfe536f2288',
  trainImages: '042e2ab8fc6a4570',
  testImages: '786801300ad58331',
  mulberry42: [2581720956, 1925393290, 3661312704],
};
