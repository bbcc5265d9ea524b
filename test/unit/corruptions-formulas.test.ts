/**
 * The published formulas, checked on synthetic images with the corruption's own `apply` (before
 * clipping): noise levels, brightness in HSV, contrast, saturation, pixelate's box down/up
 * sampling, JPEG quality, blurs that keep flat images flat, and the MNIST-C transforms.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/engine/random';
import { getCorruption } from '../../src/core/corruptions/registry';
import type { ImageCorruption } from '../../src/core/corruptions/types';
import { makeImage, rgbToHsv, type FloatImage } from '../../src/core/corruptions/image';
import { GAUSSIAN_NOISE, IMPULSE_NOISE, SHOT_NOISE, SPECKLE_NOISE } from '../../src/core/corruptions/noise';
import { BRIGHTNESS, CONTRAST, JPEG_QUALITY, PIXELATE, SATURATE, jpegRoundTrip } from '../../src/core/corruptions/digital';
import { GAUSSIAN_BLUR } from '../../src/core/corruptions/blur';
import { MNISTC_BRIGHTNESS, MNISTC_ROTATE, MNISTC_SCALE, MNISTC_TRANSLATE } from '../../src/core/corruptions/mnistc';
import { parseParams } from '../../src/core/params';

function corruption(name: string): ImageCorruption {
  const c = getCorruption(name);
  if (c.kind !== 'image') throw new Error(`${name} is not an image corruption`);
  return c;
}

/** Applies a corruption with its default parameters plus `params`. */
function apply(name: string, img: FloatImage, severity: number, params: Record<string, unknown> = {}, seed = 1): FloatImage {
  const c = corruption(name);
  const copy = { ...img, data: new Float32Array(img.data) };
  return c.apply(copy, severity, parseParams(name, c.params, params), new Rng(seed));
}

function flat(side: number, value: number, channels = 1): FloatImage {
  return makeImage(side, side, channels, value);
}

function randomImage(side: number, channels: number, seed = 3): FloatImage {
  const img = makeImage(side, side, channels);
  new Rng(seed).fillUniform(img.data, 0, 1);
  return img;
}

function stats(a: Float32Array, b: Float32Array): { mean: number; std: number } {
  let s = 0;
  let ss = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d;
    ss += d * d;
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(ss / a.length - mean * mean) };
}

const SEVERITIES = [1, 2, 3, 4, 5];
const PRESETS = [
  ['cifar', 'small'],
  ['imagenet', 'large'],
] as const;

describe('noise', () => {
  it('gaussian noise has standard deviation c at every severity (both tables)', () => {
    const img = flat(96, 0.5);
    for (const [preset, table] of PRESETS) {
      for (const s of SEVERITIES) {
        const c = GAUSSIAN_NOISE[table][s - 1];
        const { mean, std } = stats(apply('gaussian_noise', img, s, { preset }).data, img.data);
        expect(Math.abs(std - c) / c, `${preset} s${s}`).toBeLessThan(0.04);
        expect(Math.abs(mean)).toBeLessThan(0.01);
      }
    }
  });

  it('shot noise is Poisson(x·λ)/λ: mean x, variance x/λ', () => {
    const x = 0.4;
    const img = flat(128, x);
    for (const [preset, table] of PRESETS) {
      for (const s of SEVERITIES) {
        const lambda = SHOT_NOISE[table][s - 1];
        const out = apply('shot_noise', img, s, { preset }).data;
        const { mean, std } = stats(out, new Float32Array(out.length));
        expect(Math.abs(mean - x), `${preset} s${s} mean`).toBeLessThan(0.01);
        expect(Math.abs((std * std) / (x / lambda) - 1), `${preset} s${s} variance`).toBeLessThan(0.06);
        // Counts are whole numbers of photons.
        const k = out[7] * lambda;
        expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-3);
      }
    }
  });

  it('impulse noise sets a fraction c of values to 0 or 1, half each', () => {
    const img = flat(128, 0.5, 3);
    for (const [preset, table] of PRESETS) {
      for (const s of SEVERITIES) {
        const c = IMPULSE_NOISE[table][s - 1];
        const out = apply('impulse_noise', img, s, { preset }).data;
        let salt = 0;
        let pepper = 0;
        let other = 0;
        for (const v of out) {
          if (v === 1) salt++;
          else if (v === 0) pepper++;
          else if (v !== 0.5) other++;
        }
        expect(other).toBe(0);
        // Each value is hit with chance c and then set to 1 or 0 with chance ½.
        expect(Math.abs((salt + pepper) / out.length - c), `${preset} s${s}`).toBeLessThan(0.006);
        expect(Math.abs(salt - pepper) / (salt + pepper)).toBeLessThan(0.15);
      }
    }
  });

  it('speckle noise adds x·n with n of standard deviation c', () => {
    const x = 0.5;
    const img = flat(96, x);
    for (const [preset, table] of PRESETS) {
      for (const s of SEVERITIES) {
        const c = SPECKLE_NOISE[table][s - 1];
        const { std } = stats(apply('speckle_noise', img, s, { preset }).data, img.data);
        expect(Math.abs(std - x * c) / (x * c), `${preset} s${s}`).toBeLessThan(0.04);
      }
    }
  });

  it('the strength parameter replaces the severity value', () => {
    const img = flat(96, 0.5);
    const { std } = stats(apply('gaussian_noise', img, 1, { strength: 0.2 }).data, img.data);
    expect(Math.abs(std - 0.2)).toBeLessThan(0.01);
  });
});

describe('brightness, contrast, saturation', () => {
  it('brightness raises the HSV value by c and keeps hue and saturation (colour)', () => {
    const img = randomImage(16, 3);
    for (const [preset, table] of PRESETS) {
      for (const s of SEVERITIES) {
        const c = BRIGHTNESS[table][s - 1];
        const out = apply('brightness', img, s, { preset }).data;
        for (let p = 0; p < out.length; p += 3) {
          const [h0, s0, v0] = rgbToHsv(img.data[p], img.data[p + 1], img.data[p + 2]);
          const [h1, s1, v1] = rgbToHsv(out[p], out[p + 1], out[p + 2]);
          expect(v1).toBeCloseTo(Math.min(1, v0 + c), 5);
          expect(s1).toBeCloseTo(s0, 5);
          expect(h1).toBeCloseTo(h0, 5);
        }
      }
    }
  });

  it('brightness on grey images adds c (the value of a grey pixel is its level)', () => {
    const img = randomImage(16, 1);
    const out = apply('brightness', img, 4, { preset: 'imagenet' }).data;
    img.data.forEach((v, i) => expect(out[i]).toBeCloseTo(Math.min(1, v + 0.4), 6));
    const m = apply('mnistc/brightness', img, 5).data;
    img.data.forEach((v, i) => expect(m[i]).toBeCloseTo(Math.min(1, v + MNISTC_BRIGHTNESS[4]), 6));
  });

  it('contrast is (x − mean)·c + mean with the mean of each channel', () => {
    const img = randomImage(20, 3);
    for (const [preset, table] of PRESETS) {
      for (const s of SEVERITIES) {
        const c = CONTRAST[table][s - 1];
        const out = apply('contrast', img, s, { preset }).data;
        for (let k = 0; k < 3; k++) {
          let mean = 0;
          for (let p = k; p < img.data.length; p += 3) mean += img.data[p];
          mean /= img.data.length / 3;
          for (let p = k; p < img.data.length; p += 3) expect(out[p]).toBeCloseTo((img.data[p] - mean) * c + mean, 5);
        }
      }
    }
  });

  it('saturate sets the HSV saturation to clip(s·a + b), keeping hue and value', () => {
    const img = randomImage(12, 3);
    for (const [preset, table] of PRESETS) {
      for (const s of SEVERITIES) {
        const [a, b] = SATURATE[table][s - 1];
        const out = apply('saturate', img, s, { preset }).data;
        for (let p = 0; p < out.length; p += 3) {
          const [h0, s0, v0] = rgbToHsv(img.data[p], img.data[p + 1], img.data[p + 2]);
          const [h1, s1, v1] = rgbToHsv(out[p], out[p + 1], out[p + 2]);
          expect(s1).toBeCloseTo(Math.min(1, Math.max(0, s0 * a + b)), 5);
          expect(v1).toBeCloseTo(v0, 5);
          if (s1 > 1e-3 && s0 > 1e-3) expect(Math.min(Math.abs(h1 - h0), 1 - Math.abs(h1 - h0))).toBeLessThan(1e-4);
        }
      }
    }
  });
});

describe('pixelate', () => {
  it('shrinks by the factor with box averaging and enlarges back (factor 0.5: 2×2 blocks of their mean)', () => {
    const img = randomImage(28, 1);
    // ImageNet-C severity 2 is the factor 0.5: 28 → 14 → 28.
    expect(PIXELATE.large[1]).toBe(0.5);
    const out = apply('pixelate', img, 2, { preset: 'imagenet' }).data;
    for (let by = 0; by < 14; by++) {
      for (let bx = 0; bx < 14; bx++) {
        const at = (y: number, x: number) => img.data[y * 28 + x];
        const mean = (at(2 * by, 2 * bx) + at(2 * by, 2 * bx + 1) + at(2 * by + 1, 2 * bx) + at(2 * by + 1, 2 * bx + 1)) / 4;
        for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) expect(out[(2 * by + dy) * 28 + 2 * bx + dx]).toBeCloseTo(mean, 5);
      }
    }
  });

  it('has at most ⌊side·c⌋ distinct columns and rows at every severity', () => {
    const img = randomImage(32, 1);
    for (const [preset, table] of PRESETS) {
      for (const s of SEVERITIES) {
        const n = Math.trunc(32 * PIXELATE[table][s - 1]);
        const out = apply('pixelate', img, s, { preset }).data;
        const cols = new Set<string>();
        const rows = new Set<string>();
        for (let x = 0; x < 32; x++) cols.add(Array.from({ length: 32 }, (_, y) => out[y * 32 + x].toFixed(6)).join());
        for (let y = 0; y < 32; y++) rows.add(Array.from(out.subarray(y * 32, y * 32 + 32), (v) => v.toFixed(6)).join());
        expect(cols.size, `${preset} s${s}`).toBe(n);
        expect(rows.size, `${preset} s${s}`).toBe(n);
      }
    }
  });
});

describe('JPEG compression', () => {
  it('loses more at lower quality, in 8×8 blocks', () => {
    const img = randomImage(32, 3, 9);
    const err = (q: number) => stats(jpegRoundTrip([img], q)[0].data, img.data).std;
    expect(err(90)).toBeLessThan(err(50));
    expect(err(50)).toBeLessThan(err(10));
    // Published qualities.
    expect([...JPEG_QUALITY.small]).toEqual([80, 65, 58, 50, 40]);
    expect([...JPEG_QUALITY.large]).toEqual([25, 18, 15, 10, 7]);
    // A flat 8×8-aligned image survives almost exactly.
    const flatOut = jpegRoundTrip([flat(16, 0.5, 3)], 10)[0].data;
    for (const v of flatOut) expect(Math.abs(v - 0.5)).toBeLessThan(2 / 255);
  });

  it('codes several images in one file exactly as each alone (grey and colour, sizes not a multiple of 8)', () => {
    for (const channels of [1, 3]) {
      const imgs = [randomImage(28, channels, 1), randomImage(28, channels, 2), randomImage(28, channels, 3)];
      const together = jpegRoundTrip(imgs, 40);
      imgs.forEach((img, i) => {
        const alone = jpegRoundTrip([img], 40)[0];
        expect(Buffer.from(alone.data.buffer).equals(Buffer.from(together[i].data.buffer)), `image ${i}, ${channels} channels`).toBe(true);
      });
    }
  });
});

describe('blurs', () => {
  it('keep a flat image flat (kernels sum to 1)', () => {
    const img = flat(32, 0.6, 3);
    for (const name of ['gaussian_blur', 'defocus_blur', 'motion_blur', 'zoom_blur', 'glass_blur', 'mnistc/motion_blur']) {
      for (const preset of ['cifar', 'imagenet']) {
        const out = apply(name, img, 5, name.startsWith('mnistc') ? {} : { preset }).data;
        // Glass blur quantises to 8 bits once.
        for (const v of out) expect(Math.abs(v - 0.6), `${name} ${preset}`).toBeLessThan(name === 'glass_blur' || name === 'mnistc/glass_blur' ? 0.005 : 1e-5);
      }
    }
  });

  it('gaussian blur spreads a point with standard deviation σ', () => {
    for (const s of [2, 3]) {
      const sigma = GAUSSIAN_BLUR.large[s - 1];
      const img = flat(65, 0);
      img.data[32 * 65 + 32] = 1;
      const out = apply('gaussian_blur', img, s, { preset: 'imagenet' }).data;
      let sum = 0;
      let varX = 0;
      for (let y = 0; y < 65; y++) {
        for (let x = 0; x < 65; x++) {
          sum += out[y * 65 + x];
          varX += out[y * 65 + x] * (x - 32) ** 2;
        }
      }
      expect(sum).toBeCloseTo(1, 5);
      expect(Math.sqrt(varX / sum)).toBeCloseTo(sigma, 1);
    }
  });
});

describe('MNIST-C transforms', () => {
  /** Centre of mass (x, y) of a plane. */
  function centre(d: Float32Array, side: number): [number, number] {
    let m = 0;
    let cx = 0;
    let cy = 0;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        m += d[y * side + x];
        cx += d[y * side + x] * x;
        cy += d[y * side + x] * y;
      }
    }
    return [cx / m, cy / m];
  }

  it('translate moves the digit by the severity in pixels along both axes', () => {
    const img = flat(28, 0);
    img.data[14 * 28 + 12] = 1;
    for (const s of SEVERITIES) {
      const out = apply('mnistc/translate', img, s, {}, s).data;
      const k = out.findIndex((v) => v === 1);
      const [y, x] = [Math.floor(k / 28), k % 28];
      expect(Math.abs(x - 12), `s${s}`).toBe(MNISTC_TRANSLATE[s - 1]);
      expect(Math.abs(y - 14), `s${s}`).toBe(MNISTC_TRANSLATE[s - 1]);
    }
  });

  it('rotate turns about the image centre by the severity angle', () => {
    const img = flat(28, 0);
    for (let y = 12; y < 16; y++) for (let x = 20; x < 24; x++) img.data[y * 28 + x] = 1;
    const c = 13.5;
    const [x0, y0] = centre(img.data, 28);
    const r0 = Math.hypot(x0 - c, y0 - c);
    for (const s of SEVERITIES) {
      const [x1, y1] = centre(apply('mnistc/rotate', img, s, {}, s).data, 28);
      expect(Math.hypot(x1 - c, y1 - c)).toBeCloseTo(r0, 0);
      const angle = Math.abs(Math.atan2(y1 - c, x1 - c) - Math.atan2(y0 - c, x0 - c));
      expect(angle, `s${s}`).toBeCloseTo(MNISTC_ROTATE[s - 1], 1);
    }
  });

  it('scale shrinks about the centre to the severity factor', () => {
    const img = flat(28, 0);
    for (let y = 4; y < 24; y++) for (let x = 4; x < 24; x++) img.data[y * 28 + x] = 1;
    for (const s of SEVERITIES) {
      const out = apply('mnistc/scale', img, s).data;
      const mass = out.reduce((a, b) => a + b, 0);
      const f = MNISTC_SCALE[s - 1];
      expect(mass / 400, `s${s}`).toBeCloseTo(f * f, 1);
      const [x, y] = centre(out, 28);
      expect(x).toBeCloseTo(13.5, 1);
      expect(y).toBeCloseTo(13.5, 1);
    }
  });

  it('stripe inverts the left and right bands (7 px on 28 at the published severity 4)', () => {
    const img = randomImage(28, 1);
    const out = apply('mnistc/stripe', img, 4).data;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = img.data[y * 28 + x];
        expect(out[y * 28 + x]).toBeCloseTo(x < 7 || x >= 21 ? 1 - v : v, 6);
      }
    }
  });

  it('canny edges (severity 5) is a binary outline of a filled square', () => {
    const img = flat(28, 0);
    for (let y = 8; y < 20; y++) for (let x = 8; x < 20; x++) img.data[y * 28 + x] = 1;
    const out = apply('mnistc/canny_edges', img, 5).data;
    expect(out.every((v) => v === 0 || v === 1)).toBe(true);
    expect(out[14 * 28 + 14]).toBe(0); // inside
    expect(out[2 * 28 + 2]).toBe(0); // outside
    const edges = out.reduce((a, b) => a + b, 0);
    expect(edges).toBeGreaterThan(30);
    expect(edges).toBeLessThan(100);
  });
});
