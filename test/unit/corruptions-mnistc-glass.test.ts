/**
 * MNIST-C glass blur follows the MNIST-C code on grey images: skimage's
 * gaussian(x, sigma, multichannel=True) on an H×W array takes the width for colour channels, so
 * it blurs along the height only. Checked with closed forms (the impulse response is the
 * normalised Gaussian down one column; an image constant down each column is left as it is) and
 * on real digits (horizontal detail survives: the horizontal/vertical gradient ratio is higher
 * than with the two-axis blur that ImageNet-C glass_blur keeps).
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/engine/random';
import { getCorruption } from '../../src/core/corruptions/registry';
import { GLASS_BLUR, glassBlurImage } from '../../src/core/corruptions/blur';
import { gaussianBlurPlane } from '../../src/core/corruptions/filters';
import { makeImage, type FloatImage } from '../../src/core/corruptions/image';
import { loadBuiltin } from '../../src/core/data/builtin';
import type { ImageCorruption } from '../../src/core/corruptions/types';

/** scipy.ndimage's Gaussian weights: radius int(4σ + 0.5), exp(−x²/2σ²), normalised. */
function gaussWeights(sigma: number): number[] {
  const r = Math.floor(4 * sigma + 0.5);
  const w = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/** Mean |horizontal difference| / mean |vertical difference| over a set of images. */
function hvRatio(images: FloatImage[]): number {
  let gx = 0;
  let gy = 0;
  for (const img of images) {
    const { height: h, width: w, data } = img;
    for (let y = 0; y < h; y++) for (let x = 0; x + 1 < w; x++) gx += Math.abs(data[y * w + x + 1] - data[y * w + x]);
    for (let y = 0; y + 1 < h; y++) for (let x = 0; x < w; x++) gy += Math.abs(data[(y + 1) * w + x] - data[y * w + x]);
  }
  return gx / gy;
}

describe('MNIST-C glass blur on grey images', () => {
  it('the one-axis blur: an impulse spreads down its column as the normalised Gaussian, nowhere else', () => {
    const h = 15;
    const w = 9;
    const src = new Float32Array(h * w);
    src[7 * w + 4] = 1;
    const sigma = 0.7;
    const out = gaussianBlurPlane(src, h, w, sigma, { mode: 'nearest', axes: 'vertical' });
    const k = gaussWeights(sigma);
    const r = (k.length - 1) / 2;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const want = x === 4 && Math.abs(y - 7) <= r ? k[y - 7 + r] : 0;
        expect(out[y * w + x]).toBeCloseTo(want, 6);
      }
    }
  });

  it('an image constant down each column passes unchanged (no swaps); the two-axis blur smears it', () => {
    const img = makeImage(28, 28, 1);
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) img.data[y * 28 + x] = x % 2 ? 1 : 0;
    const [sigma, delta, iterations] = GLASS_BLUR.large[0];
    const one = glassBlurImage({ ...img, data: new Float32Array(img.data) }, sigma, delta, iterations, new Rng(1), 0, 'vertical');
    const two = glassBlurImage({ ...img, data: new Float32Array(img.data) }, sigma, delta, iterations, new Rng(1), 0, 'both');
    let maxOne = 0;
    let maxTwo = 0;
    for (let i = 0; i < img.data.length; i++) {
      maxOne = Math.max(maxOne, Math.abs(one.data[i] - img.data[i]));
      maxTwo = Math.max(maxTwo, Math.abs(two.data[i] - img.data[i]));
    }
    expect(maxOne).toBeLessThan(1e-6);
    expect(maxTwo).toBeGreaterThan(0.2);
  });

  it('mnistc/glass_blur keeps horizontal detail on digits (vertical streaks); ImageNet-C glass_blur stays two-axis', () => {
    const data = loadBuiltin('mnist-digits');
    const test = data.test;
    const n = 60;
    const side = 28;
    const clean: FloatImage[] = [];
    for (let i = 0; i < n; i++) {
      const img = makeImage(side, side, 1);
      for (let j = 0; j < side * side; j++) img.data[j] = test.images[i * side * side + j] / 255;
      clean.push(img);
    }
    const mnistc = getCorruption('mnistc/glass_blur') as ImageCorruption;
    const one = clean.map((img, i) => mnistc.apply({ ...img, data: new Float32Array(img.data) }, 1, {}, new Rng(i)));
    const [sigma, delta, iterations] = GLASS_BLUR.large[0];
    const two = clean.map((img, i) => glassBlurImage({ ...img, data: new Float32Array(img.data) }, sigma, delta, iterations, new Rng(i), 0.5, 'both'));
    const r1 = hvRatio(one);
    const r2 = hvRatio(two);
    const r0 = hvRatio(clean);
    // The one-axis blur softens vertical differences only, so horizontal ones dominate more.
    expect(r1, `one-axis ${r1.toFixed(3)} vs two-axis ${r2.toFixed(3)} (clean ${r0.toFixed(3)})`).toBeGreaterThan(r2 * 1.25);
    expect(r1).toBeGreaterThan(r0);
    // A colour image keeps the two-axis blur (ImageNet-C glass_blur's behaviour).
    const rgb = makeImage(12, 12, 3);
    for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) for (let c = 0; c < 3; c++) rgb.data[(y * 12 + x) * 3 + c] = x % 2;
    const out = mnistc.apply({ ...rgb, data: new Float32Array(rgb.data) }, 1, {}, new Rng(3));
    let changed = 0;
    for (let i = 0; i < out.data.length; i++) if (Math.abs(out.data[i] - rgb.data[i]) > 0.2) changed++;
    expect(changed).toBeGreaterThan(out.data.length / 2);
  });
});
