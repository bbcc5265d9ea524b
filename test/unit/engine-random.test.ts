import { describe, expect, test } from 'vitest';
import { Rng } from '../../src/core/engine/random';

function draw(r: Rng, n: number): number[] {
  return Array.from({ length: n }, () => r.next());
}

describe('Rng', () => {
  test('same seed gives the same sequence; different seeds differ', () => {
    expect(draw(new Rng(42), 100)).toEqual(draw(new Rng(42), 100));
    expect(draw(new Rng(42), 10)).not.toEqual(draw(new Rng(43), 10));
    expect(draw(new Rng(0), 10)).not.toEqual(draw(new Rng(1), 10));
    // -0 and 0 are the same seed; large and fractional seeds work
    expect(draw(new Rng(-0), 5)).toEqual(draw(new Rng(0), 5));
    expect(draw(new Rng(2 ** 31 - 1), 5)).not.toEqual(draw(new Rng(2 ** 31 - 2), 5));
    expect(draw(new Rng(0.5), 5)).not.toEqual(draw(new Rng(0), 5));
  });

  test('a fixed seed gives fixed numbers (stored runs stay repeatable across versions)', () => {
    // Golden values: if the generator changes, every stored run's seed means something else.
    const r = new Rng(2024);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([694478879, 369498043, 3845684499]);
    expect(new Rng(2024).next()).toBe(0.16169595782481472);
    expect(new Rng(2024).fork('init').nextUint32()).toBe(202979020);
  });

  test('bad seeds are refused', () => {
    expect(() => new Rng(NaN)).toThrow(RangeError);
    expect(() => new Rng(Infinity)).toThrow(RangeError);
  });

  test('next() is uniform on [0, 1)', () => {
    const r = new Rng(7);
    const n = 200_000;
    const bins = new Array(10).fill(0);
    let sum = 0;
    let sumSq = 0;
    let min = 1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      const v = r.next();
      sum += v;
      sumSq += v * v;
      min = Math.min(min, v);
      max = Math.max(max, v);
      bins[Math.floor(v * 10)]++;
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(sumSq / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
    // chi-square with 9 degrees of freedom; 27.9 is the 0.999 quantile
    const e = n / 10;
    const chi2 = bins.reduce((s, b) => s + (b - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(27.9);
  });

  test('uniform(lo, hi) and fillUniform stay in range', () => {
    const r = new Rng(3);
    const us = Array.from({ length: 1000 }, () => r.uniform(-2, 5));
    expect(Math.min(...us)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...us)).toBeLessThan(5);
    const a = r.fillUniform(new Float32Array(10_000), -0.25, 0.25);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-0.25);
    expect(Math.max(...a)).toBeLessThanOrEqual(0.25);
    expect(Math.max(...a)).toBeGreaterThan(0.24);
    expect(Math.min(...a)).toBeLessThan(-0.24);
  });

  test('normal() has mean 0, variance 1 and normal tails', () => {
    const r = new Rng(11);
    const n = 200_000;
    let sum = 0;
    let sumSq = 0;
    let beyond2 = 0;
    let finite = true;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      finite &&= Number.isFinite(v);
      sum += v;
      sumSq += v * v;
      if (Math.abs(v) > 2) beyond2++;
    }
    expect(finite).toBe(true);
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(sumSq / n - 1)).toBeLessThan(0.015);
    expect(beyond2 / n).toBeGreaterThan(0.0435);
    expect(beyond2 / n).toBeLessThan(0.0475); // P(|Z| > 2) = 0.0455
    const f = new Rng(12).fillNormal(new Float32Array(50_000), 3, 0.5);
    const mean = f.reduce((s, v) => s + v, 0) / f.length;
    expect(mean).toBeCloseTo(3, 1);
  });

  test('int(n) covers [0, n) evenly and rejects bad n', () => {
    const r = new Rng(5);
    const counts = new Array(7).fill(0);
    const n = 70_000;
    for (let i = 0; i < n; i++) counts[r.int(7)]++;
    const e = n / 7;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    expect(chi2).toBeLessThan(22.5); // 6 d.o.f., 0.999 quantile
    expect(r.int(1)).toBe(0);
    const big = Array.from({ length: 100 }, () => r.int(2 ** 32));
    expect(big.every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32)).toBe(true);
    expect(() => r.int(0)).toThrow(RangeError);
    expect(() => r.int(2.5)).toThrow(RangeError);
  });

  test('permutation and shuffle are deterministic permutations', () => {
    const p = new Rng(9).permutation(1000);
    expect(Array.from(p)).toEqual(Array.from(new Rng(9).permutation(1000)));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(new Rng(9).permutation(0).length).toBe(0);
    const a = Array.from({ length: 50 }, (_, i) => `x${i}`);
    const b = [...a];
    const s1 = new Rng(1).shuffle(a);
    expect(s1).toBe(a); // in place
    expect(new Rng(1).shuffle(b)).toEqual(s1);
    expect([...s1].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `x${i}`).sort());
    // Every position is equally likely for element 0 (Fisher-Yates is unbiased).
    const r = new Rng(77);
    const pos = new Array(5).fill(0);
    for (let i = 0; i < 50_000; i++) pos[r.permutation(5).indexOf(0)]++;
    for (const c of pos) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  test('fork gives independent streams that do not depend on draws from the parent', () => {
    const a = new Rng(100);
    const f1 = draw(a.fork('init'), 20);
    draw(a, 1000);
    expect(draw(a.fork('init'), 20)).toEqual(f1);
    expect(draw(new Rng(100).fork('init'), 20)).toEqual(f1);
    expect(draw(new Rng(100).fork('shuffle'), 20)).not.toEqual(f1);
    expect(draw(new Rng(101).fork('init'), 20)).not.toEqual(f1);
    expect(draw(new Rng(100).fork(1), 20)).not.toEqual(draw(new Rng(100).fork(2), 20));
    expect(draw(new Rng(100).fork(1), 20)).not.toEqual(draw(new Rng(100).fork('1'), 20));
    expect(draw(new Rng(100), 20)).not.toEqual(f1);
    // nested forks are deterministic and distinct
    expect(draw(new Rng(1).fork('a').fork('b'), 5)).toEqual(draw(new Rng(1).fork('a').fork('b'), 5));
    expect(draw(new Rng(1).fork('a').fork('b'), 5)).not.toEqual(draw(new Rng(1).fork('b').fork('a'), 5));
    // forked streams are uncorrelated with each other
    const x = draw(new Rng(5).fork('x'), 20_000);
    const y = draw(new Rng(5).fork('y'), 20_000);
    const mx = x.reduce((s, v) => s + v, 0) / x.length;
    const my = y.reduce((s, v) => s + v, 0) / y.length;
    let cov = 0;
    for (let i = 0; i < x.length; i++) cov += (x[i] - mx) * (y[i] - my);
    const corr = cov / x.length / (1 / 12);
    expect(Math.abs(corr)).toBeLessThan(0.03);
    // many forks by index give distinct first values
    const firsts = new Set(Array.from({ length: 1000 }, (_, i) => new Rng(3).fork(i).nextUint32()));
    expect(firsts.size).toBe(1000);
  });
});
