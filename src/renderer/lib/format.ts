/** Number and time formatting shared by every page: units and plain words. */
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

/** "test/accuracy" -> "Test accuracy". */
export function metricLabel(key: string): string {
  const known: Record<string, string> = {
    'train/loss': 'Training loss',
    'train/accuracy': 'Training accuracy',
    'test/loss': 'Test loss',
    'test/accuracy': 'Test accuracy',
    'train/epoch_loss': 'Training loss (epoch mean)',
    'train/images_per_sec': 'Training speed (images/s)',
    'time/train_seconds': 'Training time (s)',
    lr: 'Learning rate',
    clean_accuracy: 'Clean accuracy',
    robust_accuracy: 'Robust accuracy',
    certified_accuracy: 'Certified accuracy',
    'test/pgd_accuracy': 'Test accuracy under PGD',
    'test/certified_accuracy': 'Certified test accuracy',
    'val/loss': 'Validation loss',
    'val/accuracy': 'Validation accuracy',
    'val/pgd_accuracy': 'Validation accuracy under PGD',
    'val/certified_accuracy': 'Certified validation accuracy',
    'train/adv_accuracy': 'Training accuracy on attacked images',
    'train/clean_accuracy': 'Training accuracy on clean images',
    'train/certified_accuracy': 'Certified training accuracy',
    'train/robust_loss': 'Training loss in the worst case',
    'train/eps': 'Training eps',
    'train/kappa': 'Clean-loss weight (kappa)',
    'kept/test_accuracy': 'Test accuracy of the kept epoch',
    'kept/test_loss': 'Test loss of the kept epoch',
    'best/epoch': 'Best epoch',
    'early_stop/epoch': 'Stopped early at epoch',
    ece_clean: 'Calibration error (clean)',
    ece_adversarial: 'Calibration error (attacked)',
    worst_class_accuracy: 'Worst-class accuracy',
    worst_class_robust_accuracy: 'Worst-class robust accuracy',
    corruption_accuracy: 'Mean corruption accuracy',
    mce: 'mCE',
    relative_mce: 'Relative mCE',
    images: 'Images written',
    'time/seconds': 'Time (s)',
    images_per_s: 'Speed (images/s)',
    'train/label_noise_rate': 'Label-noise rate (training split)',
    'test/label_noise_rate': 'Label-noise rate (test split)',
    'train/poisoned': 'Poisoned images (training split)',
    'test/poisoned': 'Poisoned images (test split)',
  };
  if (known[key]) return known[key];
  if (key.startsWith('corruption_accuracy/')) return `Accuracy under ${key.slice('corruption_accuracy/'.length)}`;
  const s = key.replace(/[/_]+/g, ' ').replace(/\btrain\b/, 'training').trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}
