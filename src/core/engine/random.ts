/**
 * Seeded pseudo-random numbers for everything the lab randomises (weight init, shuffling,
 * corruptions, attack starts). Pure JavaScript, so the same seed gives the same numbers on every
 * tfjs backend and every machine.
 *
 * Generator: xoshiro128** (32-bit state words, period 2^128 - 1), seeded through a splitmix32
 * sequence from a 128-bit key. The key comes from the seed (any finite number); fork(label)
 * derives a child key from the parent's key and the label, so a forked stream does not depend on
 * how many numbers the parent has drawn.
 *
 * Runs in: anywhere (no dependencies).
 */

const TWO_POW_53 = 9007199254740992;
const TWO_POW_26 = 67108864;

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** murmur3's 32-bit finaliser: a bijective mixer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Two 32-bit words from a number's float64 bits (-0 counts as 0). */
function numberWords(x: number): [number, number] {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x === 0 ? 0 : x, true);
  return [dv.getUint32(0, true), dv.getUint32(4, true)];
}

/** Two independent 32-bit FNV-1a style hashes of a string's UTF-16 code units. */
function stringWords(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  return [fmix32(a), fmix32(b ^ 0x9e3779b9)];
}

/** Expands key words into a xoshiro state with splitmix32. Never all zero. */
function stateFromKey(key: Uint32Array): Uint32Array {
  let acc = 0;
  for (let i = 0; i < key.length; i++) acc = fmix32(acc ^ key[i] ^ Math.imul(i + 1, 0x9e3779b9));
  const s = new Uint32Array(4);
  let z = acc;
  for (let i = 0; i < 4; i++) {
    z = (z + 0x9e3779b9) | 0;
    let t = z ^ key[i % key.length];
    t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
    t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
    s[i] = (t ^ (t >>> 16)) >>> 0;
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 0x9e3779b9;
  return s;
}

/** Set by fork() just before it constructs the child, which then takes this key over its seed. */
let keyForNextRng: Uint32Array | null = null;

export class Rng {
  private readonly key: Uint32Array;
  private readonly s: Uint32Array;
  private spare: number | null = null;

  constructor(seed: number) {
    if (keyForNextRng) {
      this.key = keyForNextRng;
      keyForNextRng = null;
    } else {
      if (typeof seed !== 'number' || !Number.isFinite(seed)) {
        throw new RangeError(`Rng seed must be a finite number, got ${String(seed)}.`);
      }
      const [lo, hi] = numberWords(seed);
      this.key = new Uint32Array([lo, hi, 0x6a09e667, 0xbb67ae85]);
    }
    this.s = stateFromKey(this.key);
  }

  /** A uniformly random 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1), with 53 random bits. */
  next(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u1 = 1 - this.next(); // (0, 1]: log is finite
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Uniform integer in [0, n), n a positive integer up to 2^32 (no modulo bias). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new RangeError(`Rng.int needs a positive integer up to 2^32, got ${n}.`);
    }
    if (n === 4294967296) return this.nextUint32();
    // Rejection sampling on 32 bits: accept below the largest multiple of n.
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const v = this.nextUint32();
      if (v < limit) return v % n;
    }
  }

  /** Shuffles `a` in place (Fisher-Yates) and returns it. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Rng.permutation needs a non-negative integer, got ${n}.`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * An independent stream derived from this generator's seed and `label`. It depends only on
   * the seed chain and the label, not on how many numbers this generator has drawn, so
   * `new Rng(7).fork('init')` is always the same stream.
   */
  fork(label: string | number): Rng {
    const [l0, l1] = typeof label === 'number' ? numberWords(label) : stringWords(label);
    const tag = typeof label === 'number' ? 0x4e554d42 : 0x53545247; // 'NUMB' / 'STRG'
    const k = this.key;
    const child = new Uint32Array(4);
    child[0] = fmix32(k[0] ^ l0 ^ fmix32(k[3] ^ tag));
    child[1] = fmix32(k[1] ^ l1 ^ fmix32(child[0] + 0x7f4a7c15));
    child[2] = fmix32(k[2] ^ fmix32(l0 + 0x632be5ab) ^ child[1]);
    child[3] = fmix32(k[3] ^ fmix32(l1 ^ 0x1b873593) ^ child[2] ^ tag);
    keyForNextRng = child;
    return new Rng(0);
  }

  /** Fills `out` with uniform values in [lo, hi) (float32 rounding may reach hi) and returns it. */
  fillUniform(out: Float32Array, lo: number, hi: number): Float32Array {
    const span = hi - lo;
    for (let i = 0; i < out.length; i++) out[i] = lo + span * this.next();
    return out;
  }

  /** Fills `out` with normal values of the given mean and standard deviation and returns it. */
  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }
}
