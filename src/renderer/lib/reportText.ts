/**
 * An evaluation's report in plain words: the headline, eps as a person reads it, what each
 * gradient-masking warning means. The headline and eps wording come from
 * src/shared/report-text.ts, which the exported HTML uses too.
 */
import type { EvaluationInfo, EvaluationReport, MaskingWarning } from '../../shared/schemas';
import { formatEps, pct, summarySentence, visibility } from '../../shared/report-text';

export { formatEps, visibility };

/** The plain-language headline: the same sentence as the exported HTML report. */
export const reportHeadline = summarySentence;

/** The certification summary stored next to the report of a certify-ibp / certify-crown evaluation. */
export interface CertifiedDetails {
  method: 'ibp' | 'crown';
  eps: number;
  perPointMarginLowerBound?: { count: number; certified: number; min: number; p10: number; median: number; mean: number; p90: number; max: number };
}

/** The evaluation's EvaluationReport, or null for evaluations that hold something else (a corruption benchmark). */
export function reportOf(ev: EvaluationInfo): EvaluationReport | null {
  const d = ev.details as Partial<EvaluationReport> & { benchmark?: unknown };
  if (!d || typeof d !== 'object' || d.benchmark) return null;
  if (d.version === 1 && d.attack && Array.isArray(d.perClass)) return d as EvaluationReport;
  return null;
}

export function certifiedOf(ev: EvaluationInfo): CertifiedDetails | null {
  const c = (ev.details as { certified?: CertifiedDetails } | null)?.certified;
  if (c && typeof c === 'object' && (c.method === 'ibp' || c.method === 'crown')) return c;
  if (ev.attack.name.startsWith('certify-')) {
    const eps = ev.attack.params.eps;
    return { method: ev.attack.name === 'certify-crown' ? 'crown' : 'ibp', eps: typeof eps === 'number' ? eps : 0 };
  }
  return null;
}

/** "8/255 ≈ 0.031" for fractions of 255, else the number. */
export function epsLong(eps: number): string {
  const short = formatEps(eps);
  return short.includes('/') ? `${short} ≈ ${+eps.toFixed(3)}` : short;
}

/** The eps grid of the Curve preset: 0 to 2 × eps (never above 1). */
export function curveGrid(eps: number): number[] {
  return [...new Set([0, 0.25, 0.5, 0.75, 1, 1.5, 2].map((f) => f * eps).filter((e) => e <= 1))];
}

/** "0, 0.05, 8/255" → numbers; a sentence when something cannot be read. */
export function parseGrid(text: string): { grid?: number[]; error?: string } {
  const parts = text
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return {};
  const grid: number[] = [];
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(p);
    const v = m ? Number(m[1]) / Number(m[2]) : Number(p);
    if (!Number.isFinite(v) || v < 0) return { error: `Robustness curve: "${p}" is not a number of 0 or more (write e.g. 0.05 or 8/255).` };
    grid.push(v);
  }
  if (grid.length > 50) return { error: 'Robustness curve: at most 50 values.' };
  return { grid: [...new Set(grid)].sort((a, b) => a - b) };
}

/** The headline of a certification (IBP / CROWN): a proof, not an attack. */
export function certifiedHeadline(r: EvaluationReport, c: CertifiedDetails, splitName = 'test'): string {
  const n = r.count.toLocaleString('en-US');
  const how = c.method === 'crown' ? 'CROWN' : 'IBP';
  return `${how} proves that ${pct(r.robustAccuracy)} of the ${n} ${splitName} images stay correctly classified under any change of at most ${formatEps(c.eps)} per pixel (clean accuracy ${pct(r.cleanAccuracy)}).`;
}

export const WARNING_TITLES: Record<string, string> = {
  'probability-outputs': 'The model returns probabilities, not raw scores',
  'random-outputs': 'The model is random at test time',
  'zero-gradients': 'Gradients are zero on many images',
  'saturated-loss': 'Cross-entropy rounds to a constant on many images',
  'unbounded-not-broken': 'Even an unlimited attack did not break the model',
  'blackbox-beats-whitebox': 'A black-box attack beat the gradient attack',
};

export function warningTitle(w: MaskingWarning): string {
  return WARNING_TITLES[w.code] ?? 'The result may be misleading';
}

export const CHECK_NAMES: Record<string, string> = {
  outputs: 'output checks',
  'zero-gradients': 'zero-gradient check',
  unbounded: 'attack with eps = 1',
  blackbox: 'black-box Square attack',
};

export const HELP = {
  robust: (eps: number | null, norm: 'linf' | 'l2' | null) =>
    eps == null
      ? 'Robust accuracy: the share of images the model still labels correctly after the attack.'
      : norm === 'l2'
        ? `Robust accuracy at eps ${formatEps(eps)}: the share of images the model still labels correctly after the attack changed the image by a total (L2) length of at most ${formatEps(eps)}.`
        : `Robust accuracy at eps ${formatEps(eps)}: the share of images the model still labels correctly after the attack changed every pixel by at most ${formatEps(eps)} (pixel values run from 0 to 1, so ${formatEps(eps)} is about ${Math.round(eps * 255)} of 255 brightness levels).`,
  certified: (eps: number) =>
    `Certified accuracy at eps ${formatEps(eps)}: the share of images for which bound propagation proves that no change of at most ${formatEps(eps)} per pixel can make the model wrong. A guarantee: no attack can do better than this number.`,
  clean: 'Clean accuracy: the share of unmodified images the model labels correctly.',
  ece: 'Expected calibration error (ECE): the average gap between how sure the model is (its largest probability) and how often it is right. 0 % means its confidence can be taken at face value; 20 % means it is, on average, 20 points over- or under-confident.',
  worst: 'The class with the lowest accuracy. An average can hide one class that almost always fails.',
  cost: 'What the attack cost: seconds per image, and gradient evaluations (forward + backward passes) or forward-only queries per image. More means a stronger, slower attack.',
  curve: 'Robust accuracy at each allowed change eps: the attack was run again at every eps. eps 0 is clean accuracy; a curve that drops fast means a fragile model.',
  curveMinimal: 'For every image the attack searched the smallest change that makes the model wrong; the curve shows the share still right when changes up to eps are allowed.',
  confusion:
    'Rows are the true classes, columns the class the model chose on the attacked image. The diagonal (green) is right; red cells show which classes the attack pushes images into.',
  reliability:
    'Bars: how often the model is right among images where it had a given confidence. A trustworthy model’s bars follow the dashed diagonal; bars below it mean over-confidence.',
  gallery:
    'Each example: the clean image, the attacked image, and the change between them made visible (grey = unchanged, amplified so the largest change is black or white).',
};
