/**
 * Small image sets for the corruption tests: real MNIST digits (grey 28×28) and synthetic colour
 * images (RGB 32×32 and larger), all deterministic.
 */
import { loadBuiltin } from '../../src/core/data/builtin';
import { limitSplit, type SplitArrays } from '../../src/core/data/dataset';
import { Rng } from '../../src/core/engine/random';

let mnist: SplitArrays | null = null;

/** The first n test digits of the built-in dataset. */
export function mnistImages(n: number): SplitArrays {
  mnist ??= loadBuiltin('mnist-digits').test;
  const s = limitSplit(mnist, n);
  return { ...s, images: s.images.slice(), labels: s.labels.slice() };
}

/** n colour images: smooth gradients with a bright disc and a dark bar, varied by seed. */
export function colourImages(n: number, side = 32, seed = 5, channels = 3): SplitArrays {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * side * side * channels);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 10;
    const cx = side * rng.uniform(0.3, 0.7);
    const cy = side * rng.uniform(0.3, 0.7);
    const r = side * rng.uniform(0.15, 0.3);
    const tint = [rng.uniform(0.2, 1), rng.uniform(0.2, 1), rng.uniform(0.2, 1)];
    // A little texture, as natural images have: a random sinusoidal grating.
    const fx = rng.uniform(0.5, 1.5);
    const fy = rng.uniform(0.5, 1.5);
    const phase = rng.uniform(0, 6.28);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const o = ((i * side + y) * side + x) * channels;
        const disc = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
        const bar = Math.abs(y - side * 0.8) < side * 0.06;
        for (let k = 0; k < Math.min(3, channels); k++) {
          const base = k === 0 ? x / side : k === 1 ? y / side : 0.5;
          const texture = 0.12 * Math.sin((fx * x * 32) / side + (fy * y * 32) / side + phase + k);
          const v = (disc ? tint[k] : bar ? 0.1 : 0.15 + 0.7 * base * tint[(k + 1) % 3]) + texture;
          images[o + k] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
        if (channels === 4) images[o + 3] = (x * 7 + y * 3) % 256;
      }
    }
  }
  return { images, labels, count: n, height: side, width: side, channels };
}

/** A split of n labels spread evenly over C classes (grey side×side images, pixel value = index mod 200). */
export function labelOnlySplit(n: number, C: number, seed = 1, side = 1): SplitArrays {
  const labels = new Uint8Array(n);
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) labels[i] = i % C;
  // Shuffle so classes are mixed.
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = labels[i];
    labels[i] = labels[j];
    labels[j] = t;
  }
  const per = side * side;
  const images = new Uint8Array(n * per);
  for (let i = 0; i < n; i++) images.fill(i % 200, i * per, (i + 1) * per);
  return { images, labels, count: n, height: side, width: side, channels: 1 };
}

export function meanAbs(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length / 255;
}

/**
 * Mean structural similarity (Wang et al., 2004) of two uint8 NHWC image sets: 7×7 uniform
 * windows, every channel, constants (0.01)² and (0.03)² on the 0–1 scale, window centres at
 * least 3 pixels from the border.
 */
export function meanSsim(a: Uint8Array, b: Uint8Array, count: number, h: number, w: number, c: number): number {
  const r = 3;
  const n = (2 * r + 1) ** 2;
  const C1 = 0.01 ** 2;
  const C2 = 0.03 ** 2;
  let total = 0;
  let windows = 0;
  for (let i = 0; i < count; i++) {
    for (let k = 0; k < c; k++) {
      const at = (arr: Uint8Array, y: number, x: number) => arr[((i * h + y) * w + x) * c + k] / 255;
      for (let y = r; y < h - r; y++) {
        for (let x = r; x < w - r; x++) {
          let sa = 0;
          let sb = 0;
          let saa = 0;
          let sbb = 0;
          let sab = 0;
          for (let dy = -r; dy <= r; dy++) {
            for (let dx = -r; dx <= r; dx++) {
              const va = at(a, y + dy, x + dx);
              const vb = at(b, y + dy, x + dx);
              sa += va;
              sb += vb;
              saa += va * va;
              sbb += vb * vb;
              sab += va * vb;
            }
          }
          const ma = sa / n;
          const mb = sb / n;
          const va = (saa - n * ma * ma) / (n - 1);
          const vb = (sbb - n * mb * mb) / (n - 1);
          const cov = (sab - n * ma * mb) / (n - 1);
          total += ((2 * ma * mb + C1) * (2 * cov + C2)) / ((ma * ma + mb * mb + C1) * (va + vb + C2));
          windows++;
        }
      }
    }
  }
  return windows ? total / windows : 1;
}
