/**
 * Every generated sentence against the numbers it is made from (issue #17, point 3, 4, 5, 10):
 * the AutoAttack headline in counted images, eps in words over the whole range, the corruption
 * benchmark's sentence and one-line explanations, and class names in reports. Edge cases: nothing
 * broken, everything broken, one stage only, nothing right to begin with.
 */
import { describe, expect, it } from 'vitest';
import { benchmarkContext, benchmarkLines, benchmarkSentence, type BenchmarkDetails } from '../../src/shared/benchmark-text';
import { classLabel, stagesSentence, summarySentence, visibility } from '../../src/shared/report-text';
import type { EvaluationReport } from '../../src/shared/schemas';

type Stage = NonNullable<EvaluationReport['stages']>[number];
const stage = (name: string, title: string, ran: number, broke: number): Stage => ({
  name, title, ran, broke, robustAccuracyAfter: 0, seconds: 1, gradEvalsPerPoint: 10, queriesPerPoint: 0,
});

/** A 100-image AutoAttack report: `correct` right before the attack, `survive` right after it. */
function aa(correct: number, survive: number, stages: Stage[]): EvaluationReport {
  const perClass = [
    { label: 0, name: 'a', count: 50, cleanCorrect: Math.min(correct, 50), robustCorrect: Math.min(survive, 50), cleanAccuracy: 0, robustAccuracy: 0 },
    { label: 1, name: 'b', count: 50, cleanCorrect: correct - Math.min(correct, 50), robustCorrect: survive - Math.min(survive, 50), cleanAccuracy: 0, robustAccuracy: 0 },
  ];
  const empty = { ece: 0, count: 100, bins: [] };
  return {
    version: 1,
    attack: { name: 'autoattack', title: 'AutoAttack', params: {}, kind: 'bounded', blackBox: false, norm: 'linf', eps: 8 / 255 },
    count: 100, numClasses: 2, classNames: ['a', 'b'],
    cleanAccuracy: correct / 100, robustAccuracy: survive / 100, perClass,
    worstClass: { clean: null, robust: null }, confusion: { clean: [], adversarial: null }, epsCurve: null, minimal: null,
    stages, targeted: null, calibration: { bins: 15, clean: empty, adversarial: null },
    cost: { seconds: 1, attackSeconds: 1, curveSeconds: 0, checkSeconds: 0, secondsPerPoint: 0.01, gradEvalsPerPoint: 1, queriesPerPoint: 0 },
    checks: { ran: [], warnings: [], measurements: {} }, gallery: { height: 0, width: 0, channels: 0, items: [] },
    gradEvalsPerPoint: 1, seconds: 1, radius: { norm: 'linf', eps: 8 / 255 },
  };
}
const CE = 'APGD-CE (Auto-PGD, cross-entropy)';
const SQ = 'Square attack (black-box, L∞)';

describe('AutoAttack headline in counted images', () => {
  it('says how many of the correct images were broken and by whom (the issue’s example)', () => {
    const r = aa(86, 62, [stage('apgd-ce', CE, 86, 22), stage('apgd-t', 'APGD-T (targeted)', 64, 2), stage('square', SQ, 62, 0)]);
    expect(stagesSentence(r)).toBe('24 of the 86 images classified correctly were broken, 22 of them by APGD-CE; 62 % of all 100 images survive every attack.');
    const s = summarySentence(r);
    expect(s).toContain('accuracy falls from 86 % to 62 %');
    expect(s).not.toMatch(/Most images/);
  });
  it('nothing broken', () => {
    expect(stagesSentence(aa(86, 86, [stage('apgd-ce', CE, 86, 0), stage('square', SQ, 86, 0)]))).toBe(
      'None of the 86 images classified correctly was broken; 86 % of all 100 images survive every attack.',
    );
  });
  it('everything broken, by two members', () => {
    expect(stagesSentence(aa(86, 0, [stage('apgd-ce', CE, 86, 80), stage('square', SQ, 6, 6)]))).toBe(
      'All 86 images classified correctly were broken, 80 of them by APGD-CE; none survives every attack.',
    );
  });
  it('one stage only', () => {
    expect(stagesSentence(aa(50, 49, [stage('apgd-ce', CE, 50, 1)]))).toBe(
      '1 of the 50 images classified correctly was broken, all by APGD-CE; 49 % of all 100 images survive every attack.',
    );
  });
  it('nothing right before the attack', () => {
    expect(stagesSentence(aa(0, 0, [stage('apgd-ce', CE, 0, 0)]))).toBe('The model got no image right before the attack, so there was nothing to break.');
  });
  it('the counts in the sentence add up to the report’s numbers', () => {
    for (const [c, s, b1] of [[90, 40, 30], [10, 3, 7], [100, 99, 1]] as const) {
      const r = aa(c, s, [stage('apgd-ce', CE, c, b1), stage('square', SQ, c - b1, c - s - b1)]);
      const m = /^(\d+) of the (\d+) images classified correctly were broken, (\d+) of them/.exec(stagesSentence(r)!);
      if (c - s === b1) expect(stagesSentence(r)).toContain('all by APGD-CE');
      else {
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBe(c - s);
        expect(Number(m![2])).toBe(c);
        expect(Number(m![3])).toBe(Math.max(b1, c - s - b1));
      }
    }
  });
});

describe('eps in words, over the whole range', () => {
  it('never calls a change that can replace the image one that keeps its meaning', () => {
    expect(visibility(0)).toMatch(/no change/);
    expect(visibility(8 / 255)).toBe('changes too small for a person to see');
    expect(visibility(0.1)).toMatch(/close inspection/);
    expect(visibility(0.3)).toMatch(/usually keeps its meaning/);
    expect(visibility(0.4)).toMatch(/may no longer show its class/);
    expect(visibility(0.5)).toMatch(/plain grey/);
    expect(visibility(1)).toMatch(/any image can be replaced by any other/);
    for (const e of [0.31, 0.5, 0.75, 1]) expect(visibility(e)).not.toMatch(/keeps its meaning/);
  });
});

describe('class names in reports', () => {
  it('names a class where the dataset has names, numbers it otherwise', () => {
    expect(classLabel('Bag')).toBe('Bag');
    expect(classLabel('8')).toBe('class 8');
    expect(classLabel('T-shirt/top')).toBe('T-shirt/top');
  });
});

function bench(over: Partial<BenchmarkDetails> = {}): BenchmarkDetails {
  return {
    corruptions: ['fog', 'gaussian_noise'], titles: ['Fog', 'Gaussian noise'], severities: [1, 2, 3],
    accuracy: [[0.5, 0.4, 0.3], [0.6, 0.6, 0.6]], meanCorruptionAccuracy: 0.5,
    ce: [0.8, 0.84], relativeCe: [2.1, 2.36], mCE: 0.821, relativeMCE: 2.232,
    baseline: { modelId: 'm_base', name: 'plain-mlp', cleanAccuracy: 0.6, accuracy: null }, seed: 0, seconds: 3, ...over,
  };
}
const EV = { count: 200, split: 'test' as const, cleanAccuracy: 0.9 };

describe('corruption benchmark in words', () => {
  it('explains why mCE says better while relative mCE says worse, naming the baseline', () => {
    const s = benchmarkSentence(EV, bench(), { datasetName: 'mnist-digits' });
    expect(s).toBe(
      'On 200 test images of “mnist-digits”, accuracy falls from 90.0 % (without added corruption) to 50.0 % on average over 2 corruptions at severities 1–3. Fog hurts most (40.0 %). Under corruption it makes fewer errors than the baseline “plain-mlp” (mCE 82.1 %) but loses more accuracy than the baseline to the corruptions (relative mCE 223.2 %).',
    );
    const lines = benchmarkLines(EV, bench(), { datasetName: 'mnist-digits' });
    expect(lines.map((l) => l.key)).toEqual(['clean', 'mean', 'mce', 'relative-mce', 'together']);
    expect(lines[2]!.text).toContain('fewer errors than the baseline');
    expect(lines[3]!.text).toContain('loses more than the baseline');
    expect(lines[4]!.text).toContain('clean 90.0 % against the baseline’s 60.0 %');
  });
  it('no contradiction line when both agree; no mCE lines without a baseline', () => {
    expect(benchmarkLines(EV, bench({ mCE: 0.7, relativeMCE: 0.8 })).map((l) => l.key)).toEqual(['clean', 'mean', 'mce', 'relative-mce']);
    const none = benchmarkLines(EV, bench({ mCE: null, relativeMCE: null, baseline: null }));
    expect(none.map((l) => l.key)).toEqual(['clean', 'mean', 'mce']);
    expect(none[2]!.text).toMatch(/without one/);
    expect(benchmarkSentence(EV, bench({ mCE: null, relativeMCE: null, baseline: null }))).not.toMatch(/mCE/);
  });
  it('names a fogged dataset as the clean reference', () => {
    const ctx = benchmarkContext({ name: 'fog-digits', recipe: { steps: [{ corruption: 'fog', severity: 3 }], parent: { id: 'ds_1', name: 'mnist-digits' } } });
    const clean = benchmarkLines(EV, bench(), ctx)[0]!;
    expect(clean.text).toBe('Accuracy on the test images of “fog-digits” as stored — itself a corrupted copy of “mnist-digits” (fog 3) — without further corruption: the reference the corruptions are compared with.');
  });
  it('an accuracy that does not change stays', () => {
    expect(benchmarkSentence({ ...EV, cleanAccuracy: 0.5 }, bench({ mCE: null, baseline: null }))).toContain('accuracy stays at 50.0 %');
  });
});

describe('known datasets get class names on import', async () => {
  const fs = await import('node:fs');
  const zlib = await import('node:zlib');
  const { recognizeLabels } = await import('../../src/core/data/known-datasets');
  const dir = '/usr/share/datasets/fashion-mnist';
  const labels = (f: string) => zlib.gunzipSync(fs.readFileSync(`${dir}/${f}`)).subarray(8);
  // Skipped only where Debian's dataset-fashion-mnist is missing: the check needs the real label files.
  const haveLabels = fs.existsSync(`${dir}/t10k-labels-idx1-ubyte.gz`);
  it.skipIf(!haveLabels)(`recognizes the Fashion-MNIST label files (Debian dataset-fashion-mnist), and not a subset${haveLabels ? '' : ' — skipped: dataset-fashion-mnist is not installed'}`, () => {
    const test = labels('t10k-labels-idx1-ubyte.gz');
    expect(recognizeLabels([test])?.classNames[8]).toBe('Bag');
    expect(recognizeLabels([labels('train-labels-idx1-ubyte.gz'), test])?.name).toBe('Fashion-MNIST');
    expect(recognizeLabels([test.subarray(0, 9999)])).toBeNull();
  });
  it('does not name numbered classes of unknown files', () => {
    expect(recognizeLabels([Uint8Array.from([0, 1, 2, 3])])).toBeNull();
    expect(recognizeLabels([undefined])).toBeNull();
  });
});

describe('errors in the person’s terms', async () => {
  const { explainError } = await import('../../src/renderer/lib/explainError');
  const { parseIdx } = await import('../../src/core/data/idx');
  it('names the file the person chose and the field, and folds the hex bytes and the upload path away', () => {
    const path = '/home/u/.config/robustness-lab/lab/uploads/5f0c9a1e2b3d4c5e6f708192/holiday.jpg';
    let message = '';
    try {
      parseIdx(new TextEncoder().encode('<!DOCTYPE html><html>'), `Train images file "${path}"`);
    } catch (err) {
      message = (err as Error).message;
    }
    // The message the lab gives today, and the hex form the issue reported.
    const hex = `Train images file "${path}" is not an IDX file (it starts with 0x3c21444f, but IDX files start with 0x0000); choose an MNIST-style file such as train-images-idx3-ubyte.gz.`;
    for (const m of [message, hex]) {
      const e = explainError(m, [{ path, label: 'Training images' }, { path: '/x/y/labels.gz', label: 'Training labels' }]);
      expect(e.field).toBe('Training images');
      expect(e.summary.startsWith('The file you chose as training images, “holiday.jpg” is not an IDX file')).toBe(true);
      expect(e.summary).not.toMatch(/0x|uploads|\/home/);
      expect(e.detail).toBe(m);
    }
  });
  it('leaves a plain sentence alone', () => {
    expect(explainError('Give the dataset a name.')).toEqual({ summary: 'Give the dataset a name.', detail: null, field: null });
  });
});

describe('readable text on tinted cells (confusion heatmap)', async () => {
  const { contrast, mix, textOn } = await import('../../src/renderer/lib/contrast');
  it('matches the WCAG formula on known pairs', () => {
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 5);
    expect(contrast('#767676', '#ffffff')).toBeCloseTo(4.54, 2); // the classic AA-passing grey
  });
  it('picks white or black with at least 4.5:1 on every tint of red and green, light and dark', () => {
    for (const base of ['#e03131', '#2f9e44'])
      for (const page of ['#ffffff', '#242424'])
        for (let a = 0.1; a <= 0.951; a += 0.05) {
          const bg = mix(base, page, a);
          expect(contrast(textOn(bg), bg)).toBeGreaterThanOrEqual(4.5);
        }
  });
});
