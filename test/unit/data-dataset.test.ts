import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../src/shared/errors';
import {
  gatherBatch,
  limitSplit,
  readSplit,
  validateSplit,
  writeDatasetDirAtomic,
  writeDatasetSplits,
  type SplitArrays,
} from '../../src/core/data/dataset';
import { readNpy } from '../../src/core/data/npy';

const tmp = mkdtempSync(join(tmpdir(), 'rl-ds-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function catchLab(fn: () => unknown): LabError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return err as LabError;
  }
  throw new Error('expected a LabError, but nothing was thrown');
}

/** n RGB images of 2×3 where pixel value = (image*7 + position) % 256. */
function split(n: number, labels?: number[], channels = 3): SplitArrays {
  const per = 2 * 3 * channels;
  const images = Uint8Array.from({ length: n * per }, (_, k) => (Math.floor(k / per) * 7 + (k % per)) % 256);
  const lab = labels ?? Array.from({ length: n }, (_, i) => i % 4);
  const big = lab.some((y) => y > 255);
  return { images, labels: big ? Int32Array.from(lab) : Uint8Array.from(lab), count: n, height: 2, width: 3, channels };
}

describe('datasets on disk', () => {
  it('writes splits as .npy and reads them back unchanged', () => {
    const lab = join(tmp, 'lab1');
    const train = split(5);
    const test = split(3, [3, 2, 1]);
    const files = writeDatasetSplits(lab, 'ds-1', { train, test });
    expect(files).toEqual({
      train: { images: 'datasets/ds-1/train-images.npy', labels: 'datasets/ds-1/train-labels.npy' },
      test: { images: 'datasets/ds-1/test-images.npy', labels: 'datasets/ds-1/test-labels.npy' },
    });
    const img = readNpy(join(lab, 'datasets/ds-1/train-images.npy'));
    expect([img.dtype, img.shape]).toEqual(['uint8', [5, 2, 3, 3]]);
    expect(readNpy(join(lab, 'datasets/ds-1/train-labels.npy')).dtype).toBe('uint8');
    for (const [name, want] of [['train', train], ['test', test]] as const) {
      const got = readSplit(lab, files, name);
      expect([got.count, got.height, got.width, got.channels]).toEqual([want.count, 2, 3, 3]);
      expect(Array.from(got.images)).toEqual(Array.from(want.images));
      expect(Array.from(got.labels)).toEqual(Array.from(want.labels));
    }
    expect(readdirSync(join(lab, 'datasets', 'ds-1')).sort()).toEqual([
      'test-images.npy',
      'test-labels.npy',
      'train-images.npy',
      'train-labels.npy',
    ]);
  });

  it('stores labels as int32 only when there are more than 256 classes', () => {
    const lab = join(tmp, 'lab2');
    const files = writeDatasetSplits(lab, 'many', { train: split(3, [0, 300, 5]) });
    expect(readNpy(join(lab, files.train!.labels)).dtype).toBe('int32');
    const back = readSplit(lab, files, 'train');
    expect(back.labels).toBeInstanceOf(Int32Array);
    expect(Array.from(back.labels)).toEqual([0, 300, 5]);
    const few = writeDatasetSplits(lab, 'few', { train: { ...split(2), labels: Int32Array.from([1, 9]) } });
    expect(readNpy(join(lab, few.train!.labels)).dtype).toBe('uint8');
  });

  it('a split the dataset does not have is not_found', () => {
    const lab = join(tmp, 'lab3');
    const files = writeDatasetSplits(lab, 'only-test', { test: split(2) });
    const e = catchLab(() => readSplit(lab, files, 'train'));
    expect(e.code).toBe('not_found');
    expect(e.message).toBe('This dataset has no train split; use its test split instead.');
  });

  it('damaged or mismatched dataset files are errors naming the file', () => {
    const lab = join(tmp, 'lab4');
    const files = writeDatasetSplits(lab, 'd', { train: split(4) });
    const other = writeDatasetSplits(lab, 'e', { train: split(3) });
    const mixed = { train: { images: files.train!.images, labels: other.train!.labels } };
    const m = catchLab(() => readSplit(lab, mixed, 'train'));
    expect(m.code).toBe('shape_mismatch');
    expect(m.message).toContain('datasets/e/train-labels.npy" has 3 labels but "datasets/d/train-images.npy" has 4 images');
    writeFileSync(join(lab, files.train!.images), 'garbage');
    const b = catchLab(() => readSplit(lab, files, 'train'));
    expect(b.code).toBe('bad_file');
    expect(b.message).toContain('datasets/d/train-images.npy');
    rmSync(join(lab, files.train!.labels));
    const nf = catchLab(() => readSplit(lab, { train: { images: other.train!.images, labels: files.train!.labels } }, 'train'));
    expect(nf.code).toBe('not_found');
    expect(nf.message).toContain('datasets/d/train-labels.npy');
  });

  it('refuses dataset ids that are not plain folder names', () => {
    for (const id of ['../evil', 'a/b', '', '.hidden']) {
      expect(catchLab(() => writeDatasetSplits(join(tmp, 'lab5'), id, { train: split(1) })).code).toBe('bad_input');
    }
  });
});

describe('writeDatasetDirAtomic', () => {
  it('writes the whole folder and leaves no temp folder', () => {
    const lab = join(tmp, 'lab6');
    const files = writeDatasetDirAtomic(lab, 'ds', { train: split(2), test: split(1) });
    expect(readdirSync(join(lab, 'datasets'))).toEqual(['ds']);
    expect(readSplit(lab, files, 'test').count).toBe(1);
  });

  it('a failure part-way leaves nothing behind', () => {
    const lab = join(tmp, 'lab7');
    const bad = { ...split(2), labels: Uint8Array.from([1]) }; // one label for two images
    const e = catchLab(() => writeDatasetDirAtomic(lab, 'ds', { train: split(2), test: bad }));
    expect(e.code).toBe('shape_mismatch');
    expect(e.message).toBe('The test split has 1 labels but 2 images; give exactly one label per image.');
    expect(existsSync(join(lab, 'datasets', 'ds'))).toBe(false);
    expect(existsSync(join(lab, 'datasets', '.tmp-ds'))).toBe(false);
  });

  it('a write error after some files are on disk removes the temp folder', () => {
    const lab = join(tmp, 'lab7b');
    const good = split(2);
    // The test split's pixels become unreadable once the train files have been written.
    const failing = {
      ...good,
      get images(): Uint8Array {
        if (existsSync(join(lab, 'datasets', '.tmp-ds', 'train-labels.npy'))) throw new Error('disk full');
        return good.images;
      },
    };
    expect(() => writeDatasetDirAtomic(lab, 'ds', { train: split(2), test: failing })).toThrow('disk full');
    expect(readdirSync(join(lab, 'datasets'))).toEqual([]);
  });

  it('refuses to replace an existing dataset folder', () => {
    const lab = join(tmp, 'lab8');
    writeDatasetDirAtomic(lab, 'ds', { train: split(2) });
    expect(catchLab(() => writeDatasetDirAtomic(lab, 'ds', { train: split(3) })).code).toBe('conflict');
    expect(readSplit(lab, { train: { images: 'datasets/ds/train-images.npy', labels: 'datasets/ds/train-labels.npy' } }, 'train').count).toBe(2);
  });
});

describe('validateSplit', () => {
  it('returns max label + 1 as the number of classes', () => {
    expect(validateSplit(split(6, [0, 4, 2, 2, 1, 0]), 'x').numClasses).toBe(5);
    expect(validateSplit(split(2, [0, 999]), 'x').numClasses).toBe(1000);
  });
  it('refuses inconsistent sizes and bad labels', () => {
    expect(catchLab(() => validateSplit({ ...split(2), images: new Uint8Array(5) }, 'The train split')).message).toBe(
      'The train split has 5 pixel values but 2 images of 2×3×3 need 36.',
    );
    expect(catchLab(() => validateSplit({ ...split(2), labels: Int32Array.from([0, -1]) }, 'The train split')).message).toBe(
      'The train split has label -1 at example 1; labels must be class numbers from 0 to 99999.',
    );
    expect(catchLab(() => validateSplit({ ...split(2), count: 0 }, 'S')).code).toBe('bad_input');
    expect(catchLab(() => validateSplit(split(1, [0], 7), 'S')).message).toContain('7 channels');
  });
});

describe('batches', () => {
  it('gatherBatch returns pixels / 255 in NHWC order and the right labels', () => {
    const s = split(5, [3, 1, 4, 1, 5]);
    const per = 18;
    const { x, y, n } = gatherBatch(s, [4, 0, 4]);
    expect(n).toBe(3);
    expect(x).toBeInstanceOf(Float32Array);
    expect(x.length).toBe(3 * per);
    expect(Array.from(y)).toEqual([5, 3, 5]);
    for (let p = 0; p < per; p++) {
      expect(x[p]).toBeCloseTo(s.images[4 * per + p]! / 255, 7);
      expect(x[per + p]).toBeCloseTo(s.images[p]! / 255, 7);
    }
    // Channel order inside a pixel is kept: image 0, pixel (0,0) is channels 0,1,2 → values 0,1,2.
    expect(Array.from(x.subarray(per, per + 3))).toEqual([0, 1 / 255, 2 / 255].map(Math.fround));
    const full = gatherBatch({ ...split(1), images: Uint8Array.from({ length: 18 }, (_, i) => (i % 2 ? 255 : 0)) }, [0]);
    expect(Math.max(...full.x)).toBe(1);
    expect(Math.min(...full.x)).toBe(0);
  });

  it('gatherBatch refuses indices outside the split', () => {
    expect(catchLab(() => gatherBatch(split(3), [0, 3])).message).toBe('Example index 3 is out of range; this split has examples 0 to 2.');
    expect(catchLab(() => gatherBatch(split(3), [1.5])).code).toBe('bad_input');
  });

  it('limitSplit keeps the first k examples as views', () => {
    const s = split(10);
    const l = limitSplit(s, 4);
    expect([l.count, l.images.length, l.labels.length]).toEqual([4, 4 * 18, 4]);
    expect(l.images.buffer).toBe(s.images.buffer);
    expect(Array.from(l.labels)).toEqual([0, 1, 2, 3]);
    expect(limitSplit(s)).toBe(s);
    expect(limitSplit(s, 50)).toBe(s);
    expect(catchLab(() => limitSplit(s, 0)).code).toBe('bad_input');
  });
});
