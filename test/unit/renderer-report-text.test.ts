/**
 * The report page's words: the headline the renderer shows must be the sentence of the exported
 * HTML report (src/core/eval/report.ts) for the same report, and the eps grid of the Evaluate
 * page's "Curve" preset and custom field must read what people type.
 */
import { describe, expect, it } from 'vitest';
import { summarySentence } from '../../src/core/eval/report';
import type { EvaluationReport } from '../../src/shared/schemas';
import { curveGrid, formatEps, parseGrid, reportHeadline } from '../../src/renderer/lib/reportText';

type Over = Omit<Partial<EvaluationReport>, 'attack'> & { attack?: Partial<EvaluationReport['attack']> };

function report(over: Over = {}): EvaluationReport {
  const empty = { ece: 0.05, count: 100, bins: [] };
  const base: EvaluationReport = {
    version: 1,
    attack: { name: 'pgd', title: 'PGD', params: { eps: 8 / 255 }, kind: 'bounded', blackBox: false, norm: 'linf', eps: 8 / 255 },
    count: 1000,
    numClasses: 2,
    classNames: ['a', 'b'],
    cleanAccuracy: 0.94,
    robustAccuracy: 0.03,
    perClass: [],
    worstClass: { clean: null, robust: null },
    confusion: { clean: [], adversarial: null },
    epsCurve: null,
    minimal: null,
    stages: null,
    targeted: null,
    calibration: { bins: 15, clean: empty, adversarial: null },
    cost: { seconds: 1, attackSeconds: 1, curveSeconds: 0, checkSeconds: 0, secondsPerPoint: 0.001, gradEvalsPerPoint: 20, queriesPerPoint: 0 },
    checks: { ran: [], warnings: [], measurements: {} },
    gallery: { height: 0, width: 0, channels: 0, items: [] },
    gradEvalsPerPoint: 20,
    seconds: 1,
    radius: { norm: 'linf', eps: 8 / 255 },
  };
  return { ...base, ...over, attack: { ...base.attack, ...(over.attack ?? {}) } };
}

describe('report headline', () => {
  const cases: [string, EvaluationReport][] = [
    ['invisible L∞ change', report()],
    ['visible L∞ change', report({ attack: { eps: 0.1 } })],
    ['clearly visible change', report({ attack: { eps: 0.3 }, robustAccuracy: 0.9405 })],
    ['L2', report({ attack: { norm: 'l2', eps: 1.5 } })],
    ['clean only', report({ attack: { kind: 'none', norm: null, eps: null }, robustAccuracy: null })],
    [
      'minimal',
      report({
        attack: { kind: 'minimal', norm: 'l2', eps: null },
        robustAccuracy: 0,
        minimal: { norm: 'l2', median: 1.18, mean: 1.2, found: 90, attacked: 90, perPoint: [] },
      }),
    ],
    [
      'AutoAttack stages and a warning',
      report({
        stages: [
          { name: 'apgd-ce', title: 'APGD-CE (Auto-PGD, cross-entropy)', ran: 94, broke: 80, robustAccuracyAfter: 0.14, seconds: 1, gradEvalsPerPoint: 100, queriesPerPoint: 0 },
          { name: 'square', title: 'Square attack (black-box, L∞)', ran: 14, broke: 11, robustAccuracyAfter: 0.03, seconds: 1, gradEvalsPerPoint: 0, queriesPerPoint: 5000 },
        ],
        checks: { ran: ['outputs'], warnings: [{ code: 'zero-gradients', message: 'm' }], measurements: {} },
      }),
    ],
  ];
  for (const [name, r] of cases) {
    it(`matches the exported report: ${name}`, () => {
      expect(reportHeadline(r, 'test')).toBe(summarySentence(r, 'test'));
    });
  }

  it('reads like the journey in USERS.md', () => {
    expect(reportHeadline(report())).toBe('Under changes too small for a person to see (eps 8/255), accuracy falls from 94 % to 3 %.');
  });
});

describe('eps in words and grids', () => {
  it('writes fractions of 255 as such, and short decimals as decimals', () => {
    expect(formatEps(8 / 255)).toBe('8/255');
    expect(formatEps(0.1)).toBe('0.1');
    expect(formatEps(0.2)).toBe('0.2');
    expect(formatEps(0.025)).toBe('0.025');
  });

  it('builds the Curve preset grid from 0 to twice eps, never above 1', () => {
    expect(curveGrid(0.1)).toEqual([0, 0.025, 0.05, 0.07500000000000001, 0.1, 0.15000000000000002, 0.2]);
    expect(curveGrid(0.6).every((e) => e <= 1)).toBe(true);
    expect(curveGrid(8 / 255).map(formatEps)).toEqual(['0', '2/255', '4/255', '6/255', '8/255', '12/255', '16/255']);
  });

  it('reads typed grids, fractions included, and says what is wrong', () => {
    expect(parseGrid('')).toEqual({});
    expect(parseGrid('0.1, 0, 8/255;0.1')).toEqual({ grid: [0, 8 / 255, 0.1] });
    expect(parseGrid('0.1 x').error).toContain('"x"');
    expect(parseGrid('-1').error).toContain('0 or more');
  });
});
