/**
 * Bring-your-own datasets: CIFAR-10/100 binary, .npz and image folders in and out. Fixtures made
 * by scripts/byo_reference.py with NumPy (the expected arrays are NumPy's own decoding of the
 * same bytes), round trips through every exporter, and every bad-input case (one sentence naming
 * the file; nothing stored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LabError } from '../../src/shared/errors';
import { readCifarDir, writeCifarDir } from '../../src/core/data/cifar';
import { readNpzDataset, readNpzEntries, writeNpz } from '../../src/core/data/npz';
import { readImageFolder, writeImageFolder } from '../../src/core/data/folder';
import { exportDataset, previewDatasetSource, readDatasetSource, storeImported } from '../../src/core/data/byo';
import { readSplit, type SplitArrays } from '../../src/core/data/dataset';
import { LabStore } from '../../src/core/store/store';
import { ImportSpecSchema, DatasetSourceSchema } from '../../src/shared/byo';
import { tmpDir } from '../helpers/tmp';

const FIX = fileURLToPath(new URL('../fixtures/byo/', import.meta.url));
const fix = (p: string) => path.join(FIX, p);

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tmpDir('robustlab-byo-');
});
afterAll(() => tmp.cleanup());
let n = 0;
const fresh = (name = 'd') => path.join(tmp.dir, `${name}-${++n}`);

function bytes(a: ArrayLike<number>): number[] {
  return Array.from(a);
}

function expectRefused(fn: () => unknown, pattern: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(LabError);
  expect((err as Error).message).toMatch(pattern);
}

async function expectRefusedAsync(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LabError);
  expect((err as Error).message).toMatch(pattern);
}

function randomSplit(count: number, h: number, w: number, c: number, classes: number, seed: number): SplitArrays {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  const images = new Uint8Array(count * h * w * c).map(() => next());
  const labels = new Int32Array(count).map((_, i) => i % classes);
  return { images, labels, count, height: h, width: w, channels: c };
}

describe('CIFAR binary', () => {
  test('the CIFAR-10 fixture imports bit-exactly (NumPy decoding of the same records)', () => {
    const d = readCifarDir(fix('cifar10'));
    const e = readNpzEntries(fix('cifar10-expected.npz'));
    expect(d.variant).toBe('cifar10');
    expect(d.classNames).toEqual(['tint-red', 'tint-green', 'tint-blue', 'stripes-h2', 'stripes-v2', 'stripes-h4', 'stripes-v4', 'checker', 'dark', 'bright']);
    expect(d.train!.count).toBe(120);
    expect(d.test!.count).toBe(64);
    expect(Buffer.from(d.train!.images).equals(Buffer.from(e.x_train!.data as Uint8Array))).toBe(true);
    expect(Buffer.from(d.test!.images).equals(Buffer.from(e.x_test!.data as Uint8Array))).toBe(true);
    expect(bytes(d.train!.labels)).toEqual(bytes(e.y_train!.data as Uint8Array));
    expect(bytes(d.test!.labels)).toEqual(bytes(e.y_test!.data as Uint8Array));
  });

  test('CIFAR-100: fine labels, coarse labels kept, 100 class names', () => {
    const d = readCifarDir(fix('cifar100'));
    const e = readNpzEntries(fix('cifar100-expected.npz'));
    expect(d.variant).toBe('cifar100');
    expect(d.numClasses).toBe(100);
    expect(d.coarseClassNames).toHaveLength(20);
    expect(Buffer.from(d.train!.images).equals(Buffer.from(e.x_train!.data as Uint8Array))).toBe(true);
    expect(bytes(d.train!.labels)).toEqual(bytes(e.y_train!.data as Uint8Array));
    expect(bytes(d.train!.coarseLabels!)).toEqual(bytes(e.c_train!.data as Uint8Array));
    expect(bytes(d.test!.coarseLabels!)).toEqual(bytes(e.c_test!.data as Uint8Array));
  });

  test('round trip: write CIFAR-10 and CIFAR-100 layouts, read back the same bytes', () => {
    const d = readCifarDir(fix('cifar10'));
    const out = fresh('c10');
    const files = writeCifarDir(out, { train: d.train, test: d.test, classNames: d.classNames!, numClasses: 10 });
    expect(files).toEqual(['data_batch_1.bin', 'test_batch.bin', 'batches.meta.txt']);
    for (const f of ['data_batch_1.bin', 'test_batch.bin']) expect(fs.readFileSync(path.join(out, f)).equals(fs.readFileSync(fix(`cifar10/${f}`)))).toBe(true);
    const c = readCifarDir(fix('cifar100'));
    const out2 = fresh('c100');
    writeCifarDir(out2, { train: c.train, test: c.test, classNames: c.classNames!, numClasses: 100, coarse: { train: c.train!.coarseLabels, test: c.test!.coarseLabels }, coarseClassNames: c.coarseClassNames! });
    for (const f of ['train.bin', 'test.bin']) expect(fs.readFileSync(path.join(out2, f)).equals(fs.readFileSync(fix(`cifar100/${f}`)))).toBe(true);
    // More than 10,000 training images go into several batch files, like the published set.
    const big = randomSplit(10_001, 32, 32, 3, 10, 3);
    const out3 = fresh('c10big');
    expect(writeCifarDir(out3, { train: big, classNames: Array.from({ length: 10 }, (_, i) => `c${i}`), numClasses: 10 })).toEqual(['data_batch_1.bin', 'data_batch_2.bin', 'batches.meta.txt']);
    const back = readCifarDir(out3);
    expect(Buffer.from(back.train!.images).equals(Buffer.from(big.images))).toBe(true);
  });

  test('bad input: truncated batch, label out of range, no batches, wrong image size for export', () => {
    const dir = fresh('trunc');
    fs.mkdirSync(dir);
    const buf = fs.readFileSync(fix('cifar10/test_batch.bin'));
    fs.writeFileSync(path.join(dir, 'test_batch.bin'), buf.subarray(0, buf.length - 100));
    expectRefused(() => readCifarDir(dir), /CIFAR batch ".*test_batch\.bin" is 196572 bytes, not a whole number of 3073-byte CIFAR-10 records.*truncated/);
    const bad = Buffer.from(buf);
    bad[3073 * 5] = 10; // the sixth record's label
    fs.writeFileSync(path.join(dir, 'test_batch.bin'), bad);
    expectRefused(() => readCifarDir(dir), /test_batch\.bin" has label 10 at record 5, out of range for 10 classes/);
    const empty = fresh('empty');
    fs.mkdirSync(empty);
    expectRefused(() => readCifarDir(empty), /holds no CIFAR binary batches/);
    expectRefused(() => writeCifarDir(fresh('x'), { test: randomSplit(2, 28, 28, 1, 2, 1), classNames: ['a', 'b'], numClasses: 2 }), /32×32 colour images only.*28×28×1/);
  });
});

describe('.npz', () => {
  test('float NCHW in [0, 1] with N×1 int64 labels (np.savez_compressed) becomes NumPy\'s round(x·255) NHWC', () => {
    const d = readNpzDataset(fix('float-nchw.npz'));
    const e = readNpzEntries(fix('float-nchw-expected.npz'));
    expect(d.info.train).toEqual({ layout: 'nchw', dtype: 'float32', scale: 'unit' });
    expect([d.train!.height, d.train!.width, d.train!.channels]).toEqual([8, 8, 3]);
    expect(bytes(d.train!.images)).toEqual(bytes(e.x_train!.data as Uint8Array));
    expect(bytes(d.test!.images)).toEqual(bytes(e.x_test!.data as Uint8Array));
    expect(bytes(d.train!.labels)).toEqual(Array.from(e.y_train!.data as BigInt64Array, Number));
  });

  test('round trip: write .npz, read back the same arrays; labels int64 as NumPy uses', () => {
    const train = randomSplit(7, 5, 4, 3, 3, 1);
    const test_ = randomSplit(3, 5, 4, 3, 3, 2);
    const f = `${fresh('rt')}.npz`;
    writeNpz(f, { train, test: test_ });
    const e = readNpzEntries(f);
    expect(e.x_train!.shape).toEqual([7, 5, 4, 3]);
    expect(e.y_train!.dtype).toBe('int64');
    const d = readNpzDataset(f);
    expect(bytes(d.train!.images)).toEqual(bytes(train.images));
    expect(bytes(d.test!.labels)).toEqual(bytes(test_.labels));
  });

  test('bad input: not a zip, missing labels, negative label, NaN, above 255, ambiguous layout', () => {
    const notZip = `${fresh('nz')}.npz`;
    fs.writeFileSync(notZip, 'hello');
    expectRefused(() => readNpzDataset(notZip), /File "nz-\d+\.npz" is not an \.npz archive/);
    const mk = (arrays: Record<string, { dtype: 'uint8' | 'float32' | 'int64' | 'int32'; shape: number[]; data: Uint8Array | Float32Array | BigInt64Array | Int32Array }>) => {
      const p = `${fresh('bad')}.npz`;
      const entries: Record<string, Uint8Array> = {};
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      for (const [k, a] of Object.entries(arrays)) entries[`${k}.npy`] = encode(a);
      fs.writeFileSync(p, zip(entries));
      return p;
    };
    const x = { dtype: 'uint8' as const, shape: [2, 4, 4, 1], data: new Uint8Array(32) };
    expectRefused(() => readNpzDataset(mk({ x_train: x })), /has x_train but no y_train/);
    expectRefused(() => readNpzDataset(mk({ x_train: x, y_train: { dtype: 'int64', shape: [2], data: BigInt64Array.from([0n, -1n]) } })), /y_train has label -1 at example 1/);
    expectRefused(() => readNpzDataset(mk({ x_train: { dtype: 'float32', shape: [2, 4, 4, 1], data: new Float32Array(32).fill(NaN) }, y_train: { dtype: 'int32', shape: [2], data: new Int32Array(2) } })), /x_train holds NaN/);
    expectRefused(() => readNpzDataset(mk({ x_train: { dtype: 'float32', shape: [2, 4, 4, 1], data: new Float32Array(32).fill(300) }, y_train: { dtype: 'int32', shape: [2], data: new Int32Array(2) } })), /holds 300, above 255/);
    expectRefused(() => readNpzDataset(mk({ x_train: { dtype: 'uint8', shape: [2, 3, 4, 3], data: new Uint8Array(72) }, y_train: { dtype: 'int32', shape: [2], data: new Int32Array(2) } })), /reads as N×H×W×C and as N×C×H×W; state the layout/);
    expectRefused(() => readNpzDataset(mk({ x_train: x, y_train: { dtype: 'int32', shape: [3], data: new Int32Array(3) } })), /has 3 labels but the images are 2/);
    expectRefused(() => readNpzDataset(mk({ a: x })), /no x_train\/y_train or x_test\/y_test arrays \(it has a\)/);
  });
});

// The npz writer's pieces, for hand-made bad archives.
import { encodeNpy } from '../../src/core/data/npy';
import { zipSync } from 'fflate';
const encode = (a: Parameters<typeof encodeNpy>[0]) => encodeNpy(a);
const zip = (e: Record<string, Uint8Array>) => zipSync(e);

async function png(file: string, w: number, h: number, channels: 1 | 3, fill: (i: number) => number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const px = Buffer.alloc(w * h * channels);
  for (let i = 0; i < px.length; i++) px[i] = fill(i);
  await sharp(px, { raw: { width: w, height: h, channels } }).png().toFile(file);
}

describe('image folders', () => {
  test('class folders: names sorted, every decoder (PNG, BMP, WebP lossless), labels from folders', async () => {
    const dir = fresh('folder');
    await png(path.join(dir, 'cat', 'a.png'), 4, 3, 3, (i) => (i * 7) % 256);
    await png(path.join(dir, 'cat', 'sub', 'b.png'), 4, 3, 3, (i) => (i * 3) % 256);
    fs.mkdirSync(path.join(dir, 'ant'), { recursive: true });
    await sharp(Buffer.alloc(12 * 3, 200), { raw: { width: 4, height: 3, channels: 3 } }).webp({ lossless: true }).toFile(path.join(dir, 'ant', 'c.webp'));
    // A 24-bit BMP written by hand (bottom-up rows, BGR, rows padded to 4 bytes).
    const w = 4, h = 3, row = 12;
    const bmp = Buffer.alloc(54 + row * h);
    bmp.write('BM', 0);
    bmp.writeUInt32LE(bmp.length, 2);
    bmp.writeUInt32LE(54, 10);
    bmp.writeUInt32LE(40, 14);
    bmp.writeInt32LE(w, 18);
    bmp.writeInt32LE(h, 22);
    bmp.writeUInt16LE(1, 26);
    bmp.writeUInt16LE(24, 28);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) bmp.set([10, 20, 30 + y], 54 + (h - 1 - y) * row + 3 * x); // B, G, R
    fs.mkdirSync(path.join(dir, 'bee'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'bee', 'd.bmp'), bmp);
    fs.writeFileSync(path.join(dir, 'bee', 'notes.txt'), 'not an image');
    const d = await readImageFolder(dir);
    expect(d.classNames).toEqual(['ant', 'bee', 'cat']);
    expect(d.test!.count).toBe(4);
    expect(d.train).toBeUndefined();
    expect(bytes(d.test!.labels)).toEqual([0, 1, 2, 2]);
    expect([d.height, d.width, d.channels]).toEqual([3, 4, 3]);
    const px = (k: number) => bytes(d.test!.images.subarray(k * 36, (k + 1) * 36));
    expect(px(0).every((v) => v === 200)).toBe(true);
    // BMP row y has R = 30 + y (top row first), G = 20, B = 10.
    expect(px(1).slice(0, 3)).toEqual([30, 20, 10]);
    expect(px(1).slice(24, 27)).toEqual([32, 20, 10]);
    expect(px(2)).toEqual(Array.from({ length: 36 }, (_, i) => (i * 7) % 256));
  });

  test('grey conversion uses PIL\'s L weights; chosen size resizes and centre-crops', async () => {
    const dir = fresh('grey');
    await png(path.join(dir, 'a', '1.png'), 2, 1, 3, (i) => [255, 0, 0, 0, 0, 255][i]!);
    await png(path.join(dir, 'b', '1.png'), 2, 1, 3, () => 100);
    const d = await readImageFolder(dir, { colour: 'grey' });
    expect(d.channels).toBe(1);
    // PIL: L = R·299/1000 + G·587/1000 + B·114/1000 → red 76, blue 29.
    expect(bytes(d.test!.images.subarray(0, 2))).toEqual([76, 29]);
    const big = fresh('resize');
    await png(path.join(big, 'a', '1.png'), 40, 20, 3, (i) => i % 256);
    await png(path.join(big, 'b', '1.png'), 16, 16, 1, () => 50);
    const r = await readImageFolder(big, { size: { height: 8, width: 8 } });
    expect([r.height, r.width, r.channels]).toEqual([8, 8, 3]);
    expect(bytes(r.test!.images.subarray(192, 195))).toEqual([50, 50, 50]);
  });

  test('train/ and test/ folders; a class tree split by a seeded train fraction', async () => {
    const dir = fresh('splits');
    for (const s of ['train', 'test']) for (const c of ['x', 'y']) for (let i = 0; i < 3; i++) await png(path.join(dir, s, c, `${i}.png`), 2, 2, 1, () => i * 10);
    const d = await readImageFolder(dir);
    expect([d.train!.count, d.test!.count]).toEqual([6, 6]);
    const tree = fresh('tree');
    for (const c of ['x', 'y']) for (let i = 0; i < 10; i++) await png(path.join(tree, c, `${i}.png`), 2, 2, 1, () => i);
    const a = await readImageFolder(tree, { trainFraction: 0.8, seed: 1 });
    const b = await readImageFolder(tree, { trainFraction: 0.8, seed: 1 });
    expect([a.train!.count, a.test!.count]).toEqual([16, 4]);
    expect(bytes(a.train!.images)).toEqual(bytes(b.train!.images));
  });

  test('round trip: a lab split written as PNG folders reads back identical (grey and colour)', async () => {
    for (const c of [1, 3]) {
      const train = randomSplit(12, 6, 5, c, 3, c);
      const test_ = randomSplit(5, 6, 5, c, 3, c + 10);
      const out = fresh('export');
      expect(await writeImageFolder(out, { train, test: test_ }, ['zero', 'one/two', 'three'])).toBe(17);
      expect(fs.readdirSync(path.join(out, 'train')).sort()).toEqual(['one_two', 'three', 'zero']);
      const back = await readImageFolder(out, { colour: c === 1 ? 'grey' : 'colour' });
      // Folder names sort as one_two, three, zero: map labels through the names.
      const order = ['zero', 'one_two', 'three'];
      const remap = (l: number) => order.indexOf(back.classNames[l]!);
      // Images come back grouped by class; compare as a multiset of (label, pixels).
      const key = (s: SplitArrays, i: number, lab: number) => `${lab}:${Buffer.from(s.images.subarray(i * 30 * c, (i + 1) * 30 * c)).toString('hex')}`;
      const want = Array.from({ length: 12 }, (_, i) => key(train, i, train.labels[i]!)).sort();
      const got = Array.from({ length: 12 }, (_, i) => key(back.train!, i, remap(back.train!.labels[i]!))).sort();
      expect(got).toEqual(want);
    }
  });

  test('bad input: empty class folder, one class, mixed sizes, unreadable images (refused, or skipped and listed)', async () => {
    const empty = fresh('emptycls');
    await png(path.join(empty, 'a', '1.png'), 2, 2, 1, () => 1);
    fs.mkdirSync(path.join(empty, 'b'));
    await expectRefusedAsync(readImageFolder(empty), /Class folder ".*b" has no images/);
    const one = fresh('one');
    await png(path.join(one, 'a', '1.png'), 2, 2, 1, () => 1);
    await expectRefusedAsync(readImageFolder(one), /has only one class folder \("a"\)/);
    const mixed = fresh('mixed');
    await png(path.join(mixed, 'a', '1.png'), 2, 2, 1, () => 1);
    await png(path.join(mixed, 'b', '1.png'), 3, 2, 1, () => 1);
    await expectRefusedAsync(readImageFolder(mixed), /Image ".*" is 2×\d but ".*" is 2×\d; choose a size/);
    const broken = fresh('broken');
    await png(path.join(broken, 'a', '1.png'), 2, 2, 1, () => 1);
    await png(path.join(broken, 'b', '1.png'), 2, 2, 1, () => 1);
    fs.writeFileSync(path.join(broken, 'b', 'bad.png'), Buffer.from('\x89PNG\r\n\x1a\n garbage'));
    await expectRefusedAsync(readImageFolder(broken), /1 image cannot be read, the first ".*bad\.png" \(.+\); fix or remove it, or import again choosing to skip unreadable images/);
    const skipped = await readImageFolder(broken, { skipUnreadable: true });
    expect(skipped.test!.count).toBe(2);
    expect(skipped.unreadable.map((u) => path.basename(u.file))).toEqual(['bad.png']);
    await expectRefusedAsync(readImageFolder(path.join(broken, 'nope')), /was not found/);
  });
});

describe('store and export through the lab', () => {
  test('import → export npz/cifar/folder; a failed import stores nothing', async () => {
    const labDir = fresh('lab');
    const store = LabStore.open(labDir);
    try {
      const spec = ImportSpecSchema.parse({ kind: 'import', name: 'c10', format: 'cifar', path: fix('cifar10') });
      const id = storeImported(store, spec, await readDatasetSource(spec));
      const ds = store.getDataset(id);
      expect(ds.classNames[0]).toBe('tint-red');
      expect(ds.splits).toEqual({ train: { count: 120 }, test: { count: 64 } });
      const c100 = ImportSpecSchema.parse({ kind: 'import', name: 'c100', format: 'cifar', path: fix('cifar100') });
      const id100 = storeImported(store, c100, await readDatasetSource(c100));
      // npz export read back gives the stored arrays.
      const npz = `${fresh('exp')}.npz`;
      const r = await exportDataset(store, { dataset: 'c10', format: 'npz', out: npz });
      expect(r.images).toBe(184);
      const back = readNpzEntries(npz);
      const test_ = readSplit(labDir, ds.files as never, 'test');
      expect(Buffer.from(back.x_test!.data as Uint8Array).equals(Buffer.from(test_.images))).toBe(true);
      // CIFAR export of the CIFAR-100 dataset writes the 100 layout with coarse labels, byte for byte.
      const out = fresh('exp100');
      await exportDataset(store, { dataset: id100, format: 'cifar', out });
      expect(fs.readFileSync(path.join(out, 'train.bin')).equals(fs.readFileSync(fix('cifar100/train.bin')))).toBe(true);
      // Refusals: an existing file, a non-empty folder.
      await expectRefusedAsync(exportDataset(store, { dataset: 'c10', format: 'npz', out: npz }), /already exists; choose another file name \(nothing was overwritten\)/);
      await expectRefusedAsync(exportDataset(store, { dataset: 'c10', format: 'cifar', out }), /is not empty/);
      // Bad input leaves the store and the datasets folder as they were.
      const before = { rows: store.listDatasets().length, dirs: fs.readdirSync(path.join(labDir, 'datasets')).length };
      const tooFewNames = ImportSpecSchema.parse({ kind: 'import', name: 'x', format: 'npz', path: fix('float-nchw.npz'), classNames: ['a'] });
      expectRefused(() => storeImported(store, tooFewNames, { train: readNpzDataset(fix('float-nchw.npz')).train, test: readNpzDataset(fix('float-nchw.npz')).test, height: 8, width: 8, channels: 3, classNames: null, numClasses: null, detected: '', unreadable: [], extras: {} }), /only 1 class names were given/);
      expect({ rows: store.listDatasets().length, dirs: fs.readdirSync(path.join(labDir, 'datasets')).length }).toEqual(before);
    } finally {
      store.close();
    }
  });

  test('preview: counts and samples per class, format detected, nothing written', async () => {
    const p = await previewDatasetSource(DatasetSourceSchema.parse({ format: 'cifar', path: fix('cifar10') }), 2);
    expect(p.detected).toBe('CIFAR-10 binary (2 batch files)');
    expect(p.counts).toEqual({ train: 120, test: 64 });
    expect(p.classes.reduce((t, c) => t + c.train + c.test, 0)).toBe(184);
    expect(p.classes[0]!.images[0]).toHaveLength(Math.ceil((32 * 32 * 3) / 3) * 4);
    const n = await previewDatasetSource(DatasetSourceSchema.parse({ format: 'npz', path: fix('float-nchw.npz') }), 1);
    expect(n.detected).toBe('NumPy .npz (NCHW float32 in [0, 1])');
  });
});
