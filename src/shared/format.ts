/**
 * The one percent and number formatter, used by the UI, the CLI and the exported reports so a
 * figure reads the same everywhere.
 */

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1000 -> "1,000"; missing or not finite -> "—". */
export function formatInt(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return intFmt.format(n);
}

/** A fraction as a percentage: 0.985 -> "98.5 %" (digits after the point, default 1); missing -> "—". */
export function formatPercent(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(digits)} %`;
}

/** Short plain number with `sig` significant digits: 0.000123 -> "0.000123", 1234.5 -> "1,235" (5 digits: "1,234.5"). */
export function formatNumber(x: number | null | undefined, sig = 4): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const abs = Math.abs(x);
  if (abs >= 1e6 || abs < 1e-4) return x.toExponential(2);
  if (Number.isInteger(x)) return formatInt(x);
  const digits = Math.max(0, sig - 1 - Math.floor(Math.log10(abs)));
  return new Intl.NumberFormat('en-US', { maximumFractionDigits: Math.min(digits, 8) }).format(x);
}
