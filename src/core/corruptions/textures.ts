/**
 * Random fields the corruptions draw from our seeded Rng: Poisson counts, the plasma fractal
 * (diamond-square) of fog, and the procedurally generated frost texture that stands in for the
 * photographs of frosted glass used by ImageNet-C (no image files ship with the lab).
 *
 * Runs in: anywhere (no dependencies).
 */
import type { Rng } from '../engine/random';
import { gaussianBlurPlane } from './filters';

// ---------------------------------------------------------------------------------- Poisson

const LOG_FACT_TABLE = (() => {
  const t = new Float64Array(64);
  for (let k = 1; k < 64; k++) t[k] = t[k - 1] + Math.log(k);
  return t;
})();

/** log(k!) exactly from a table below 64, else from Stirling's series (error < 1e-12). */
function logFactorial(k: number): number {
  if (k < 64) return LOG_FACT_TABLE[k];
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}

/**
 * A Poisson(lambda) count. Small means by multiplying uniforms (Knuth); means of 10 and above by
 * Hörmann's transformed rejection with squeeze (PTRS), which is exact and O(1).
 */
export function poisson(rng: Rng, lambda: number): number {
  if (!(lambda > 0)) return 0;
  if (lambda < 10) {
    const l = Math.exp(-lambda);
    let k = 0;
    let p = rng.next();
    while (p > l) {
      k++;
      p *= rng.next();
    }
    return k;
  }
  const slam = Math.sqrt(lambda);
  const loglam = Math.log(lambda);
  const b = 0.931 + 2.53 * slam;
  const a = -0.059 + 0.02483 * b;
  const invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const u = rng.next() - 0.5;
    const v = rng.next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - logFactorial(k)) return k;
  }
}

// ---------------------------------------------------------------------------- plasma fractal

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** Reused between calls: every point but (0, 0) is overwritten by each run. */
let plasmaBuffer: Float64Array | null = null;

/**
 * The top-left h×w window of a size×size heightmap in [0, 1] made by the diamond-square
 * algorithm on a torus (normalised over the whole map). The random perturbation starts at ±100²
 * and shrinks by `decay` each level: a larger decay gives smoother fog.
 */
export function plasmaWindow(size: number, decay: number, rng: Rng, h: number, w: number): Float32Array {
  const n = size;
  if (n < 1 || (n & (n - 1)) !== 0) throw new RangeError(`The plasma fractal needs a power-of-two size, got ${n}.`);
  if (h > n || w > n) throw new RangeError(`A ${h}×${w} window does not fit a ${n}×${n} fractal.`);
  const mask = n - 1;
  if (!plasmaBuffer || plasmaBuffer.length < n * n) plasmaBuffer = new Float64Array(n * n);
  const m = plasmaBuffer;
  m[0] = 0;
  // The map needs size² uniforms (65,536 for MNIST-C's 256×256 fog), so they come from a small
  // xorshift generator seeded by the Rng: still fixed by the seed, and several times faster.
  let x32 = rng.nextUint32() | 1;
  const u = () => {
    x32 ^= x32 << 13;
    x32 ^= x32 >>> 17;
    x32 ^= x32 << 5;
    return (x32 >>> 0) / 2147483648 - 1;
  };
  let step = n;
  let wibble = 100;
  while (step >= 2) {
    const half = step >> 1;
    const amp = wibble * wibble;
    // Squares: the centre of every square gets the mean of its corners plus noise.
    for (let y = half; y < n; y += step) {
      const ya = ((y - half) & mask) * n;
      const yb = ((y + half) & mask) * n;
      for (let x = half; x < n; x += step) {
        const xa = (x - half) & mask;
        const xb = (x + half) & mask;
        m[y * n + x] = (m[ya + xa] + m[ya + xb] + m[yb + xa] + m[yb + xb]) * 0.25 + amp * u();
      }
    }
    // Diamonds: edge midpoints get the mean of their four neighbours at distance `half`.
    for (let y = 0; y < n; y += half) {
      const ya = ((y - half) & mask) * n;
      const yb = ((y + half) & mask) * n;
      const row = y * n;
      for (let x = (y / half) % 2 === 0 ? half : 0; x < n; x += step) {
        const xa = (x - half) & mask;
        const xb = (x + half) & mask;
        m[row + x] = (m[ya + x] + m[yb + x] + m[row + xa] + m[row + xb]) * 0.25 + amp * u();
      }
    }
    step = half;
    wibble /= decay;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < n * n; i++) {
    const v = m[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(h * w);
  const span = hi - lo || 1;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = (m[y * n + x] - lo) / span;
  return out;
}

/** A whole size×size plasma fractal in [0, 1]. */
export function plasmaFractal(size: number, decay: number, rng: Rng): Float32Array {
  return plasmaWindow(size, decay, rng, size, size);
}

// ------------------------------------------------------------------------------------ frost

function splat(plane: Float32Array, h: number, w: number, y: number, x: number, v: number): void {
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const fy = y - y0;
  const fx = x - x0;
  const put = (yy: number, xx: number, wt: number) => {
    if (yy >= 0 && yy < h && xx >= 0 && xx < w) plane[yy * w + xx] += v * wt;
  };
  put(y0, x0, (1 - fy) * (1 - fx));
  put(y0, x0 + 1, (1 - fy) * fx);
  put(y0 + 1, x0, fy * (1 - fx));
  put(y0 + 1, x0 + 1, fy * fx);
}

/**
 * A frost texture in [0, 1] (h×w): a faint fractal haze plus ice crystals — needles that grow
 * from random seeds, bend slightly and branch at about 60°, as frost ferns do on a cold window.
 * `scale` sets the crystal length relative to the image (1 = published look at this size).
 */
/** Crystal seeds per pixel of the image side (tuned for a mean brightness near 0.5 at any size). */
const FROST_SEEDS_PER_PIXEL = 0.5;

export function frostTexture(h: number, w: number, rng: Rng, scale = 1): Float32Array {
  const size = Math.max(h, w);
  const p = nextPowerOfTwo(size);
  const haze = plasmaWindow(p, 2, rng, h, w);
  const crystals = new Float32Array(h * w);
  // Crystal length grows with the image, so seeds grow with its side: the same coverage at every size.
  const seeds = Math.max(3, Math.round((FROST_SEEDS_PER_PIXEL * h * w) / size));
  const stepLen = 0.5;
  const grow = (y0: number, x0: number, angle: number, length: number, intensity: number, depth: number) => {
    let y = y0;
    let x = x0;
    let a = angle;
    const steps = Math.max(2, Math.round(length / stepLen));
    for (let s = 0; s < steps; s++) {
      const fade = 1 - (0.6 * s) / steps;
      splat(crystals, h, w, y, x, intensity * fade);
      a += 0.12 * rng.normal();
      y += stepLen * Math.sin(a);
      x += stepLen * Math.cos(a);
      if (depth < 2 && rng.next() < 0.06) {
        const side = rng.next() < 0.5 ? -1 : 1;
        grow(y, x, a + (side * Math.PI) / 3 + 0.2 * rng.normal(), length * (1 - s / steps) * 0.45, intensity * 0.8, depth + 1);
      }
    }
  };
  for (let i = 0; i < seeds; i++) {
    const y = rng.uniform(-2, h + 2);
    const x = rng.uniform(-2, w + 2);
    grow(y, x, rng.uniform(0, 2 * Math.PI), size * scale * rng.uniform(0.12, 0.4), rng.uniform(0.5, 1), 0);
  }
  const soft = gaussianBlurPlane(crystals, h, w, 0.5, { mode: 'nearest' });
  const out = new Float32Array(h * w);
  for (let i = 0; i < out.length; i++) {
    const c = 1 - Math.exp(-1.6 * soft[i]);
    const v = 0.2 + 0.3 * haze[i] + 0.7 * c;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}
