/** Number and time formatting shared by every page: units and plain words. */
import { METRIC_TITLES } from '../../shared/constants';
import { formatInt, formatNumber, formatPercent } from '../../shared/format';

// Percentages and plain numbers: the one formatter in src/shared (also used by the CLI and reports).
export { formatInt, formatNumber, formatPercent };

/** A metric value: accuracies as percentages, the rest with 4 significant digits. */
export function formatMetric(key: string, value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (isAccuracyKey(key) || /(^|\/)(relative_)?mce$|label_noise_rate$/.test(key)) return formatPercent(value);
  return formatNumber(value);
}

export function isAccuracyKey(key: string): boolean {
  return /acc/i.test(key);
}

/** The metrics a person looks at first: accuracies and losses. */
export function isPrimaryMetric(key: string): boolean {
  return isAccuracyKey(key) || /loss/i.test(key);
}

/** 1234567 -> "1.2 M", 12345 -> "12.3 k". */
export function formatCompact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return formatInt(n);
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/** Seconds -> "1 h 05 min", "3 min 20 s", "12 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** ISO time -> local "24 Nov 2025, 23:20". */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const sameYear = d.getFullYear() === new Date().getFullYear();
  return d.toLocaleString(undefined, {
    day: 'numeric',
    month: 'short',
    year: sameYear ? undefined : 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

/** Seconds between two ISO times (or until now when the end is missing). */
export function elapsedSeconds(start: string | null, end: string | null): number | null {
  if (!start) return null;
  const a = new Date(start).getTime();
  const b = end ? new Date(end).getTime() : Date.now();
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  return Math.max(0, (b - a) / 1000);
}

/** "1 epoch" / "3 epochs". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInt(n)} ${n === 1 ? one : many}`;
}

/** "test/accuracy" -> "Test accuracy" (known keys from METRIC_TITLES in src/shared/constants.ts). */
export function metricLabel(key: string): string {
  const known: Record<string, string> = METRIC_TITLES;
  if (known[key]) return known[key];
  if (key.startsWith('corruption_accuracy/')) return `Accuracy under ${key.slice('corruption_accuracy/'.length)}`;
  const s = key.replace(/[/_]+/g, ' ').replace(/\btrain\b/, 'training').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}
