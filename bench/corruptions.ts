/**
 * Corruption speed: images/s of every image corruption (at its default severity, one process,
 * one thread), on the built-in digits (grey 28×28) and on synthetic colour images (32×32).
 * Part of `npm run bench`; on its own:
 *
 *   npx tsx bench/corruptions.ts            # a sample of images per corruption
 *   npx tsx bench/corruptions.ts --full     # all 15 MNIST-C corruptions on all 10,000 digits
 *
 * Pure JavaScript: no tfjs backend is involved.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { loadBuiltin } from '../src/core/data/builtin';
import { limitSplit, type SplitArrays } from '../src/core/data/dataset';
import { Rng } from '../src/core/engine/random';
import { CORRUPTIONS, MNIST_C_15 } from '../src/core/corruptions/registry';
import { runRecipe } from '../src/core/corruptions/recipe';

function colourSplit(n: number, side: number): SplitArrays {
  const rng = new Rng(1);
  const images = new Uint8Array(n * side * side * 3);
  for (let i = 0; i < images.length; i++) images[i] = Math.round(255 * (0.5 + 0.3 * Math.sin(i / 97) + 0.2 * rng.next()) * 0.8);
  return { images, labels: new Uint8Array(n), count: n, height: side, width: side, channels: 3 };
}

function imagesPerSecond(split: SplitArrays, name: string, splitName: 'train' | 'test' = 'test'): { seconds: number; imagesPerSec: number } {
  const t0 = performance.now();
  runRecipe(split, { steps: [{ corruption: name }], seed: 0 }, { splitName });
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, imagesPerSec: split.count / seconds };
}

export interface CorruptionBench {
  images: { grey28: number; rgb32: number };
  /** images/s at the default severity, per corruption and image kind. */
  images_per_s: Record<string, { grey28: number | null; rgb32: number }>;
}

/** images/s of every image corruption on `sample` grey digits and `sample` colour images. */
export function benchCorruptions(sample = 1000, log: (line: string) => void = () => {}): CorruptionBench {
  const grey = limitSplit(loadBuiltin('mnist-digits').train, sample);
  const rgb = colourSplit(sample, 32);
  const out: CorruptionBench = { images: { grey28: grey.count, rgb32: rgb.count }, images_per_s: {} };
  for (const c of CORRUPTIONS.values()) {
    if (c.kind !== 'image') continue;
    const g = c.colourOnly ? null : Math.round(imagesPerSecond(grey, c.name).imagesPerSec);
    const r = Math.round(imagesPerSecond(rgb, c.name).imagesPerSec);
    out.images_per_s[c.name] = { grey28: g, rgb32: r };
    log(`corruption ${c.name.padEnd(22)} grey 28×28 ${String(g ?? '—').padStart(7)} img/s   RGB 32×32 ${String(r).padStart(7)} img/s`);
  }
  return out;
}

/** All 15 MNIST-C corruptions over the whole built-in dataset (8,000 train + 2,000 test). */
export function benchMnistCFull(log: (line: string) => void = console.log): { total_seconds: number; per_corruption: Record<string, { seconds: number; images_per_s: number }> } {
  const data = loadBuiltin('mnist-digits');
  const per: Record<string, { seconds: number; images_per_s: number }> = {};
  let total = 0;
  for (const name of MNIST_C_15) {
    const a = imagesPerSecond(data.train, name, 'train');
    const b = imagesPerSecond(data.test, name, 'test');
    const seconds = a.seconds + b.seconds;
    total += seconds;
    per[name] = { seconds: +seconds.toFixed(2), images_per_s: Math.round((data.train.count + data.test.count) / seconds) };
    log(`${name.padEnd(22)} ${seconds.toFixed(2).padStart(7)} s  ${String(per[name].images_per_s).padStart(7)} img/s`);
  }
  log(`all 15 MNIST-C corruptions on 10,000 digits: ${total.toFixed(1)} s (${os.cpus().length} cores, one thread)`);
  return { total_seconds: +total.toFixed(2), per_corruption: per };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--full')) benchMnistCFull();
  else benchCorruptions(Number(process.env.BENCH_CORRUPTION_IMAGES ?? 1000), console.log);
}
