/**
 * The corruption studio's pure helpers (src/renderer/lib/corruptions.ts): editor steps become
 * recipes the API accepts, class maps and transition matrices are checked with one-sentence
 * problems, and stored recipes and benchmark details are read defensively.
 */
import { describe, expect, it } from 'vitest';
import { listCorruptions } from '../../src/core/corruptions/registry';
import { RecipeSchema, type DatasetInfo, type EvaluationInfo } from '../../src/shared/schemas';
import {
  buildRecipe,
  defaultMatrixText,
  FAMILIES,
  newStep,
  parseClassMap,
  parseMatrix,
  readBenchmark,
  readDatasetRecipe,
  severitiesText,
  stepText,
} from '../../src/renderer/lib/corruptions';

const registry = listCorruptions();
const grey: DatasetInfo = {
  id: 'ds1',
  name: 'digits',
  source: 'builtin:mnist-digits',
  height: 28,
  width: 28,
  channels: 1,
  numClasses: 10,
  classNames: Array.from({ length: 10 }, (_, i) => String(i)),
  splits: { train: { count: 100 }, test: { count: 20 } },
  parentId: null,
  recipe: null,
  createdAt: '2026-01-01T00:00:00Z',
};
const info = (name: string) => registry.find((c) => c.name === name)!;

describe('renderer corruption helpers', () => {
  it('lists every registry family in the studio groups', () => {
    const families = new Set(FAMILIES.map((f) => f.family));
    for (const c of registry) expect(families.has(c.family)).toBe(true);
  });

  it('builds a recipe the API schema accepts, in the editor order', () => {
    const a = newStep(info('gaussian_noise'));
    a.severity = 4;
    const b = newStep(info('labels/symmetric'));
    b.splits = ['train'];
    const r = buildRecipe([b, a], registry, grey, 7);
    expect(r.error).toBeUndefined();
    const parsed = RecipeSchema.parse(r.recipe);
    expect(parsed.steps.map((s) => s.corruption)).toEqual(['labels/symmetric', 'gaussian_noise']);
    expect(parsed.steps[1]!.severity).toBe(4);
    expect(parsed.steps[0]!.splits).toEqual(['train']);
    expect(parsed.seed).toBe(7);
  });

  it('explains what is wrong instead of building a bad recipe', () => {
    expect(buildRecipe([], registry, grey, 0).error).toMatch(/Add a corruption/);
    const s = newStep(info('gaussian_noise'));
    s.params = { ...s.params, strength: 3 };
    expect(buildRecipe([s], registry, grey, 0).error).toMatch(/Gaussian noise: .*at most 1/);
    expect(buildRecipe([newStep(info('saturate'))], registry, grey, 0).error).toMatch(/colour images only/);
    expect(buildRecipe([newStep(info('gaussian_noise'))], registry, grey, '').error).toMatch(/Seed/);
  });

  it('checks class maps and transition matrices', () => {
    expect(parseClassMap('', 3)).toEqual({});
    expect(parseClassMap('1, 2, 0', 3).value).toEqual([1, 2, 0]);
    expect(parseClassMap('1, 2', 3).error).toMatch(/3 numbers/);
    expect(parseClassMap('1, 2, 5', 3).error).toMatch(/from 0 to 2/);
    expect(parseMatrix(defaultMatrixText(4, 0.2), 4).value).toHaveLength(4);
    expect(parseMatrix('1 0\n0.5 0.4', 2).error).toMatch(/row 2 sums to 0\.9/);
    const t = newStep(info('labels/transition'));
    t.matrixText = defaultMatrixText(10);
    const r = buildRecipe([t], registry, grey, 0);
    expect(r.error).toBeUndefined();
    expect(RecipeSchema.parse(r.recipe).steps[0]!.matrix).toHaveLength(10);
  });

  it('describes steps in words', () => {
    expect(stepText({ corruption: 'gaussian_noise', severity: 3, params: { strength: 0, preset: 'auto' } }, registry)).toBe('Gaussian noise, severity 3');
    expect(stepText({ corruption: 'gaussian_noise', severity: 3, params: { strength: 0.2 } }, registry)).toBe('Gaussian noise, severity 3 (Noise σ 0.2)');
    expect(severitiesText([5, 1, 2, 3, 4])).toBe('1–5');
    expect(severitiesText([1, 5])).toBe('1, 5');
  });

  it('reads stored recipes and benchmark details defensively', () => {
    expect(readDatasetRecipe(grey)).toBeNull();
    const child = { ...grey, parentId: 'ds0', recipe: { steps: [{ corruption: 'mnistc/shear', severity: 2, params: {} }], seed: 3, splits: ['test'], parent: { id: 'ds0', name: 'digits' }, runId: 'r1', report: { test: { count: 20, labelNoiseRate: null } }, createdBy: 'corrupt' } };
    const r = readDatasetRecipe(child)!;
    expect(r.parent).toEqual({ id: 'ds0', name: 'digits' });
    expect(r.runId).toBe('r1');
    const ev: EvaluationInfo = {
      id: 'e1',
      runId: 'r2',
      modelId: 'm1',
      datasetId: 'ds1',
      split: 'test',
      attack: { name: 'corruptions', params: {} },
      count: 20,
      cleanAccuracy: 0.9,
      robustAccuracy: 0.6,
      details: { benchmark: 'corruptions', corruptions: ['a', 'b'], titles: ['A', 'B'], severities: [1, 5], accuracy: [[0.8, 0.5], [0.7, 0.4]], meanCorruptionAccuracy: 0.6, ce: [0.9, 1.1], relativeCe: [null, 1.2], mCE: 1, relativeMCE: 1.2, baseline: { modelId: 'm0', name: 'base', cleanAccuracy: 0.8, accuracy: [[0.7, 0.4], [0.6, 0.3]] }, seed: 0, seconds: 2 },
      createdAt: '2026-01-01T00:00:00Z',
    };
    const b = readBenchmark(ev)!;
    expect(b.accuracy[1]).toEqual([0.7, 0.4]);
    expect(b.relativeCe).toEqual([null, 1.2]);
    expect(b.baseline?.name).toBe('base');
    expect(readBenchmark({ ...ev, details: {} })).toBeNull();
  });
});
