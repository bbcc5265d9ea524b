/**
 * Sweep expansion and its submit-time rules: axis text, grid order, log/linear ranges against
 * closed forms, seeded random search, chained eval, and refusals that leave the store unchanged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab } from '../../src/core/service';
import { LabStore } from '../../src/core/store/store';
import { checkSweep, expandSweep, gridValues, parseAxisText } from '../../src/core/sweeps/expand';
import { LabError } from '../../src/shared/errors';
import { SweepSpecSchema, type SweepSpecInput } from '../../src/shared/sweeps';
import { tmpDir } from '../helpers/tmp';

const base = {
  kind: 'train',
  dataset: 'mnist-digits',
  arch: 'mlp',
  epochs: 1,
  batchSize: 32,
  optimizer: { name: 'sgd', lr: 0.1 },
  seed: 0,
  limit: 64,
};
const spec = (over: Partial<SweepSpecInput>) => SweepSpecSchema.parse({ base, axes: ['seed=0..1'], ...over });

function refused(fn: () => unknown, re: RegExp): void {
  try {
    fn();
    expect.unreachable('expected a LabError');
  } catch (e) {
    expect(e).toBeInstanceOf(LabError);
    expect((e as LabError).message).toMatch(re);
  }
}

describe('axis text', () => {
  it('reads value lists, typing numbers and booleans', () => {
    expect(parseAxisText('method=erm,pgd-at,trades')).toEqual({ path: 'method', values: ['erm', 'pgd-at', 'trades'] });
    expect(parseAxisText('optimizer.lr=0.01,0.05')).toEqual({ path: 'optimizer.lr', values: [0.01, 0.05] });
    expect(parseAxisText('methodParams.flag=true,false')).toEqual({ path: 'methodParams.flag', values: [true, false] });
  });
  it('reads a..b as whole numbers, both ends included', () => {
    expect(parseAxisText('seed=0..2')).toEqual({ path: 'seed', values: [0, 1, 2] });
    expect(parseAxisText('seed=-1..1')).toEqual({ path: 'seed', values: [-1, 0, 1] });
  });
  it('reads lin:/log: ranges with an optional point count', () => {
    expect(parseAxisText('optimizer.lr=log:0.001..0.1:3')).toEqual({
      path: 'optimizer.lr',
      range: { min: 0.001, max: 0.1, scale: 'log', count: 3, integer: false },
    });
    expect(parseAxisText('methodParams.eps=lin:0..0.3')).toMatchObject({ range: { min: 0, max: 0.3, scale: 'linear' } });
  });
  it('refuses malformed axes with one sentence', () => {
    refused(() => parseAxisText('seed'), /path=v1,v2/);
    refused(() => parseAxisText('seed='), /no values/);
    refused(() => parseAxisText('seed=3..1'), /empty/);
    refused(() => parseAxisText('optimizer.lr=0.1..0.5'), /whole numbers.*lin:0\.1\.\.0\.5:N/);
    refused(() => parseAxisText('lr=1,,2'), /empty value/);
    refused(() => parseAxisText('lr=log:a..1:3'), /not a number/);
    refused(() => parseAxisText('1x=1,2'), /field names joined by dots/);
  });
});

describe('grid values', () => {
  it('spaces linear points evenly and log points geometrically (closed forms)', () => {
    expect(gridValues(parseAxisText('x=lin:0..1:5'))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(gridValues(parseAxisText('x=lin:0.1..0.3:3'))).toEqual([0.1, 0.2, 0.3]);
    const log = gridValues(parseAxisText('x=log:0.0001..1:5')) as number[];
    expect(log).toEqual([0.0001, 0.001, 0.01, 0.1, 1]);
    // Each ratio is (max/min)^(1/(n-1)).
    const l2 = gridValues(parseAxisText('x=log:2..32:5')) as number[];
    expect(l2).toEqual([2, 4, 8, 16, 32]);
  });
  it('needs a point count for a range in a grid', () => {
    refused(() => gridValues(parseAxisText('x=lin:0..1')), /point count/);
  });
});

describe('expansion', () => {
  it('makes every combination, the last axis varying fastest, each value at its path', () => {
    const e = expandSweep(spec({ axes: ['method=erm,pgd-at', 'seed=0..2', 'methodParams.eps=0.1'] }));
    expect(e.kind).toBe('train');
    expect(e.members).toHaveLength(6);
    expect(e.members.map((m) => `${m.values.method}/${m.values.seed}`)).toEqual(['erm/0', 'erm/1', 'erm/2', 'pgd-at/0', 'pgd-at/1', 'pgd-at/2']);
    expect(e.members[4]!.spec).toMatchObject({ method: 'pgd-at', seed: 1, methodParams: { eps: 0.1 }, optimizer: { name: 'sgd', lr: 0.1 } });
    // The base is not changed.
    expect(base.seed).toBe(0);
  });
  it('sets nested paths without touching siblings', () => {
    const e = expandSweep(spec({ axes: [{ path: 'optimizer.lr', values: [0.01, 0.05] }] }));
    expect(e.members.map((m) => m.spec.optimizer)).toEqual([
      { name: 'sgd', lr: 0.01 },
      { name: 'sgd', lr: 0.05 },
    ]);
  });
  it('draws a random search from the seed: the same seed gives the same members', () => {
    const s = (seed: number) => spec({ mode: 'random', samples: 400, seed, axes: ['optimizer.lr=log:0.0001..1', 'method=erm,trades', 'epochs=lin:1..3'] });
    const a = expandSweep(s(7)).members.map((m) => m.values);
    const b = expandSweep(s(7)).members.map((m) => m.values);
    const c = expandSweep(s(8)).members.map((m) => m.values);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const lrs = a.map((v) => v['optimizer.lr'] as number);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(0.0001);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1);
    // Log-uniform: half the draws fall below the geometric mean 0.01 (binomial sd = 10/400).
    const below = lrs.filter((x) => x < 0.01).length / lrs.length;
    expect(Math.abs(below - 0.5)).toBeLessThan(0.08);
    // Each decade gets about a quarter.
    const decade = lrs.filter((x) => x >= 0.001 && x < 0.01).length / lrs.length;
    expect(Math.abs(decade - 0.25)).toBeLessThan(0.07);
    const methods = new Set(a.map((v) => v.method));
    expect(methods).toEqual(new Set(['erm', 'trades']));
    const eps = a.map((v) => v.epochs as number);
    expect(eps.every((x) => x >= 1 && x <= 3)).toBe(true);
  });
  it('draws integer linear ranges uniformly over the whole numbers, ends included', () => {
    const e = expandSweep(spec({ mode: 'random', samples: 600, axes: [{ path: 'seed', range: { min: 0, max: 2, integer: true } }] }));
    const counts = [0, 1, 2].map((k) => e.members.filter((m) => m.values.seed === k).length);
    for (const c of counts) expect(Math.abs(c / 600 - 1 / 3)).toBeLessThan(0.07);
  });
  it('refuses what cannot be a sweep', () => {
    refused(() => expandSweep(spec({ axes: ['seed=0..1', 'seed=2..3'] })), /given twice/);
    refused(() => expandSweep(spec({ axes: ['optimizer=1,2', 'optimizer.lr=0.1'] })), /overlap/);
    refused(() => expandSweep(spec({ axes: ['kind=train,eval'] })), /job kind/);
    refused(() => expandSweep(spec({ mode: 'random', axes: ['seed=0..3'] })), /number of samples/);
    refused(() => expandSweep(spec({ axes: ['seed=0..99', 'epochs=1..20'] })), /2000 members, more than the 1000/);
    refused(() => expandSweep(spec({ axes: ['x=log:0..1:3'] })), /log range needs a min above 0/);
    refused(() => expandSweep(SweepSpecSchema.parse({ base: { dataset: 'x' }, axes: ['seed=0..1'] })), /no "kind"/);
  });
});

describe('submit-time rules', () => {
  let lab: Lab;
  let store: LabStore;
  let cleanup: () => void;
  beforeAll(async () => {
    const t = tmpDir();
    cleanup = t.cleanup;
    lab = await Lab.open({ labDir: t.dir, mode: 'cli', backend: 'cpu' });
    store = LabStore.open(t.dir);
  });
  afterAll(async () => {
    store.close();
    await lab.close();
    cleanup();
  });

  it('checks every member with its kind and names the member that fails', () => {
    refused(() => checkSweep(store, spec({ axes: ['epochs=1,0'] })), /^Member 2 \(epochs=0\): .*Epochs must be at least 1/);
    refused(() => checkSweep(store, spec({ axes: ['method=erm,no-such-method'] })), /^Member 2 \(method=no-such-method\)/);
    refused(() => checkSweep(store, spec({ axes: ['optimizer.lr=0.1,-1'] })), /Learning rate must be above 0/);
  });
  it('refuses an axis that is not a setting (zod would drop it silently)', () => {
    refused(() => checkSweep(store, spec({ axes: ['optimizer.lrr=0.1,0.2'] })), /"optimizer.lrr" is not a setting of a train spec/);
    refused(() => checkSweep(store, spec({ axes: ['epochz=1,2'] })), /"epochz" is not a setting/);
  });
  it('validates the chained eval and counts its runs', async () => {
    refused(() => checkSweep(store, spec({ thenEval: { dataset: 'mnist-digits', attack: { name: 'no-such-attack' } } })), /unknown attack "no-such-attack"/);
    refused(() => checkSweep(store, spec({ thenEval: { dataset: 'no-such-data' } })), /no-such-data/);
    const evalBase = SweepSpecSchema.parse({ base: { kind: 'eval', model: 'x', dataset: 'mnist-digits' }, axes: ['seed=0..1'], thenEval: { dataset: 'mnist-digits' } });
    refused(() => checkSweep(store, evalBase), /not a train spec/);
    const plan = await lab.call('planSweep', { base, axes: ['seed=0..2'], thenEval: { dataset: 'mnist-digits', attack: { name: 'fgsm', params: { eps: 0.1 } }, limit: 50 } });
    expect(plan.members).toBe(3);
    expect(plan.runs).toBe(6);
    expect(plan.preview).toEqual([{ seed: 0 }, { seed: 1 }, { seed: 2 }]);
    // A fresh lab has no earlier training to estimate from, and says so.
    expect(plan.estimateSeconds).toBeNull();
    expect(plan.estimateBasis).toMatch(/No earlier finished train run/);
  });
  it('leaves the store unchanged when a sweep is refused', async () => {
    const before = (await lab.call('listRuns', { limit: 1000 })).length;
    await expect(lab.call('submitSweep', { base, axes: ['epochs=1,0'] })).rejects.toThrow(/Member 2/);
    await expect(lab.call('submitSweep', { base, axes: [] })).rejects.toThrow(/at least one axis/);
    expect(await lab.call('listSweeps', {})).toEqual([]);
    expect((await lab.call('listRuns', { limit: 1000 })).length).toBe(before);
  });
});
