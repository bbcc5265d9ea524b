import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../src/shared/errors';
import { parseIdx, readIdxImagesAndLabels } from '../../src/core/data/idx';
import { importIdx } from '../../src/core/data/dataset';

const FASHION = '/usr/share/datasets/fashion-mnist';
const F = {
  trainImages: join(FASHION, 'train-images-idx3-ubyte.gz'),
  trainLabels: join(FASHION, 'train-labels-idx1-ubyte.gz'),
  testImages: join(FASHION, 't10k-images-idx3-ubyte.gz'),
  testLabels: join(FASHION, 't10k-labels-idx1-ubyte.gz'),
};
const haveFashion = Object.values(F).every((p) => existsSync(p));
// Skipped only where Debian's dataset-fashion-mnist is missing (.ci/run installs it): these read the real files.
const SKIP = haveFashion ? '' : ' — skipped: dataset-fashion-mnist is not installed';

const tmp = mkdtempSync(join(tmpdir(), 'rl-idx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function catchLab(fn: () => unknown): Promise<LabError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return err as LabError;
  }
  throw new Error('expected a LabError, but nothing was thrown');
}

/** An IDX file of unsigned bytes with the given dims and data. */
function idx(dims: number[], data: Uint8Array, type = 0x08): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, data]);
}

/** n images of h×w where image i is filled with value i, and labels i % 3. */
function makePair(n: number, h: number, w: number): { images: Buffer; labels: Buffer } {
  const px = new Uint8Array(n * h * w);
  for (let i = 0; i < n; i++) px.fill(i, i * h * w, (i + 1) * h * w);
  return { images: idx([n, h, w], px), labels: idx([n], Uint8Array.from({ length: n }, (_, i) => i % 3)) };
}

function put(name: string, data: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
}

describe('real Fashion-MNIST (apt package dataset-fashion-mnist)', () => {
  it('is installed', async () => {
    expect(haveFashion, `Fashion-MNIST not found in ${FASHION}; install it with "apt-get install dataset-fashion-mnist".`).toBe(true);
  });

  it.runIf(haveFashion)(`reads t10k: 10000 images of 28×28 and 1000 labels of each class 0..9${SKIP}`, async () => {
    const s = await readIdxImagesAndLabels(F.testImages, F.testLabels, 'test');
    expect([s.count, s.height, s.width, s.channels]).toEqual([10000, 28, 28, 1]);
    expect(s.images.length).toBe(10000 * 28 * 28);
    const counts = new Array(10).fill(0);
    for (const y of s.labels) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    let min = 255;
    let max = 0;
    for (const v of s.images) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect([min, max]).toEqual([0, 255]);
    // The first test image is an ankle boot (class 9); its border is background.
    expect(s.labels[0]).toBe(9);
    expect(s.images[0]).toBe(0);
  });

  it.runIf(haveFashion)(`importIdx reads both splits: 60000 + 10000, 10 classes${SKIP}`, async () => {
    const r = await importIdx(F);
    expect([r.train?.count, r.test?.count, r.height, r.width, r.channels, r.numClasses]).toEqual([60000, 10000, 28, 28, 1, 10]);
    const counts = new Array(10).fill(0);
    for (const y of r.train!.labels) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(6000));
  });
});

describe('small IDX files', () => {
  it('reads plain and gzipped files alike', async () => {
    const { images, labels } = makePair(4, 3, 2);
    const a = await readIdxImagesAndLabels(put('p-img', images), put('p-lbl', labels), 'train');
    const b = await readIdxImagesAndLabels(put('p-img.gz', gzipSync(images)), put('p-lbl.gz', gzipSync(labels)), 'train');
    for (const s of [a, b]) {
      expect([s.count, s.height, s.width, s.channels]).toEqual([4, 3, 2, 1]);
      expect(Array.from(s.images.subarray(6, 12))).toEqual([1, 1, 1, 1, 1, 1]);
      expect(Array.from(s.labels)).toEqual([0, 1, 2, 0]);
    }
  });

  it('parseIdx returns the declared shape', async () => {
    const r = parseIdx(idx([2, 2, 2, 3], new Uint8Array(24).fill(7)), 'File "a"');
    expect(r.shape).toEqual([2, 2, 2, 3]);
    expect(r.data.length).toBe(24);
    expect(r.data[23]).toBe(7);
  });
});

describe('broken IDX files are LabErrors naming the file', () => {
  const good = makePair(10, 4, 4);
  const goodImages = put('good-images-idx3-ubyte', good.images);
  const goodLabels = put('good-labels-idx1-ubyte', good.labels);

  it('truncated images (gzipped) say expected vs actual size', async () => {
    const p = put('short-images.gz', gzipSync(good.images.subarray(0, good.images.length - 5)));
    const e = await catchLab(() => readIdxImagesAndLabels(p, goodLabels, 'train'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toBe(
      `Train images file "${p}" is truncated: shape 10×4×4 needs 176 bytes but the file has 171 after unzipping; download it again.`,
    );
  });

  it('trailing bytes after the data', async () => {
    const p = put('long-labels', Buffer.concat([good.labels, Buffer.from([1, 2, 3])]));
    const e = await catchLab(() => readIdxImagesAndLabels(goodImages, p, 'test'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toContain(`Test labels file "${p}" has 3 unexpected bytes after the data`);
    expect(e.message).toContain('needs 18 bytes, the file has 21');
  });

  it('a file that is not IDX at all (wrong magic)', async () => {
    const p = put('picture.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    const e = await catchLab(() => readIdxImagesAndLabels(p, goodLabels, 'train'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toMatch(/^Train images file ".*picture\.png" is not an IDX file \(IDX files start with two zero bytes/);
  });

  it('an IDX file of another value type', async () => {
    const p = put('floats-idx3', idx([1, 1, 1], new Uint8Array(1), 0x0d));
    const e = await catchLab(() => readIdxImagesAndLabels(p, goodLabels, 'train'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toContain('holds float32 values');
    expect(e.message).toContain('floats-idx3');
  });

  it('labels given as images (swapped files)', async () => {
    const e = await catchLab(() => readIdxImagesAndLabels(goodLabels, goodImages, 'train'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toBe(
      `Train images file "${goodLabels}" is not an IDX images file (magic 0x00000801 means labels; expected 0x00000803); check that the images and labels files are not swapped.`,
    );
  });

  it('images given as labels', async () => {
    const e = await catchLab(() => readIdxImagesAndLabels(goodImages, goodImages, 'test'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toContain(`Test labels file "${goodImages}" is not an IDX labels file (magic 0x00000803 means images; expected 0x00000801)`);
  });

  it('labels and images counts differ', async () => {
    const p = put('nine-labels', idx([9], new Uint8Array(9)));
    const e = await catchLab(() => readIdxImagesAndLabels(goodImages, p, 'train'));
    expect(e.code).toBe('shape_mismatch');
    expect(e.message).toBe(
      `Train labels file "${p}" has 9 labels but the images file has 10 images; choose the labels file that belongs to these images.`,
    );
  });

  it('corrupt gzip', async () => {
    const gz = gzipSync(good.images);
    const broken = Buffer.concat([gz.subarray(0, 20), Buffer.alloc(30, 0xab)]);
    const p = put('broken.gz', broken);
    const e = await catchLab(() => readIdxImagesAndLabels(p, goodLabels, 'train'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toMatch(/^Train images file ".*broken\.gz" is a damaged gzip file \(.+\); download it again\.$/);
  });

  it('missing file', async () => {
    const p = join(tmp, 'does-not-exist.gz');
    const e = await catchLab(() => readIdxImagesAndLabels(goodImages, p, 'test'));
    expect(e.code).toBe('not_found');
    expect(e.message).toBe(`Test labels file "${p}" was not found; check the path and try again.`);
  });

  it('a folder instead of a file', async () => {
    const e = await catchLab(() => readIdxImagesAndLabels(tmp, goodLabels, 'train'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toContain('is a folder');
  });

  it('a header cut short and an empty file', async () => {
    const p = put('cut-header', good.images.subarray(0, 9));
    expect((await catchLab(() => readIdxImagesAndLabels(p, goodLabels, 'train'))).message).toContain('its header alone needs 16 bytes but the file has 9');
    const empty = put('empty', new Uint8Array(0));
    expect((await catchLab(() => readIdxImagesAndLabels(empty, goodLabels, 'train'))).message).toContain('too short to be an IDX file (0 bytes)');
  });

  it('importIdx refuses splits with different image sizes, and half-given splits', async () => {
    const other = makePair(5, 5, 5);
    const e = await catchLab(() =>
      importIdx({ trainImages: goodImages, trainLabels: goodLabels, testImages: put('o-img', other.images), testLabels: put('o-lbl', other.labels) }),
    );
    expect(e.code).toBe('shape_mismatch');
    expect(e.message).toBe('Train images are 4×4 but test images are 5×5; both splits must have the same image size.');
    expect((await catchLab(() => importIdx({ trainImages: goodImages }))).code).toBe('bad_input');
    expect((await catchLab(() => importIdx({}))).code).toBe('bad_input');
    const ok = await importIdx({ testImages: goodImages, testLabels: goodLabels });
    expect([ok.train, ok.test?.count, ok.numClasses]).toEqual([undefined, 10, 3]);
  });
});
