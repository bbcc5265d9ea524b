/** The one percent/number formatter (src/shared/format.ts) that the UI, the CLI and the reports use. */
import { describe, expect, it } from 'vitest';
import { formatInt, formatNumber, formatPercent } from '../../src/shared/format';
import { pct } from '../../src/cli/helpers';
import { formatPercent as uiPercent } from '../../src/renderer/lib/format';
import { pct as reportPct } from '../../src/shared/report-text';

describe('shared number formatting', () => {
  it('formats percentages, integers and short numbers', () => {
    expect(formatPercent(0.985)).toBe('98.5 %');
    expect(formatPercent(0.12345, 2)).toBe('12.35 %');
    expect(formatPercent(1, 0)).toBe('100 %');
    for (const bad of [null, undefined, Number.NaN, Number.POSITIVE_INFINITY]) expect(formatPercent(bad)).toBe('—');
    expect(formatInt(1234567)).toBe('1,234,567');
    expect(formatNumber(1234.5)).toBe('1,235');
    expect(formatNumber(1234.5, 5)).toBe('1,234.5');
    expect(formatNumber(0.000123)).toBe('0.000123');
    expect(formatNumber(0.00001234)).toBe('1.23e-5');
    expect(formatNumber(0)).toBe('0');
  });

  it('the CLI, the UI and the reports print a figure through the same function', () => {
    expect(pct(0.5)).toBe(formatPercent(0.5, 2));
    expect(uiPercent).toBe(formatPercent);
    expect(reportPct(0.987)).toBe(formatPercent(0.987, 0));
    expect(pct(null)).toBe('—');
  });
});
