/**
 * An evaluation's report in plain words: the headline, eps as a person reads it, what each
 * gradient-masking warning means. The headline follows the core's `summarySentence`
 * (src/core/eval/report.ts), so the page and the exported HTML say the same thing; the renderer
 * may not import core, hence this copy.
 */
import type { EvaluationInfo, EvaluationReport, MaskingWarning } from '../../shared/schemas';

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

/**
 * 0.0313725… → "8/255"; short decimals stay decimals (0.2, not 51/255); other values with three
 * significant digits.
 */
export function formatEps(eps: number): string {
  const short = +eps.toPrecision(3);
  if (Math.abs(short - eps) < 1e-12) return `${short}`;
  const k = eps * 255;
  if (eps > 0 && Math.abs(k - Math.round(k)) < 1e-3 && Math.round(k) <= 255) return `${Math.round(k)}/255`;
  return `${short}`;
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

function pct(v: number | null | undefined, digits = 0): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)} %`;
}

/** How visible a change of eps per pixel is, in words (pixel values run from 0 to 1). */
export function visibility(eps: number): string {
  return eps <= 8 / 255 + 1e-9
    ? 'changes too small for a person to see'
    : eps <= 0.1
      ? 'small changes a person could notice on close inspection'
      : 'changes a person can clearly see, though the image keeps its meaning';
}

/** The plain-language headline: the same sentence as the exported HTML report. */
export function reportHeadline(r: EvaluationReport, splitName = 'test'): string {
  const n = r.count.toLocaleString('en-US');
  const clean = pct(r.cleanAccuracy);
  if (r.attack.kind === 'none' || r.robustAccuracy == null) {
    return `The model classifies ${clean} of the ${n} ${splitName} images correctly (no attack was run).`;
  }
  const robust = pct(r.robustAccuracy);
  const falls = r.robustAccuracy >= r.cleanAccuracy - 0.005 ? `accuracy stays at ${robust}` : `accuracy falls from ${clean} to ${robust}`;
  const { norm, eps } = r.attack;
  let s: string;
  if (r.attack.kind === 'minimal') {
    const med = r.minimal?.median;
    const unit = r.minimal?.norm === 'linf' ? 'per pixel' : 'in total (L2 length)';
    s =
      med != null
        ? `Half of the images the model gets right can be made wrong by a change of ${formatEps(med)} ${unit} or less`
        : `The attack found no change that makes the model wrong`;
    s += eps != null ? `; within ${formatEps(eps)}, ${falls}.` : '.';
  } else if (norm === 'linf' && eps != null) {
    s = `Under ${visibility(eps)} (eps ${formatEps(eps)}), ${falls}.`;
  } else if (norm === 'l2' && eps != null) {
    s = `Under changes whose total size (L2 length) is at most ${formatEps(eps)}, ${falls}.`;
  } else {
    s = `Under the ${r.attack.name} attack, ${falls}.`;
  }
  if (r.stages?.length) {
    const top = [...r.stages].sort((a, b) => b.broke - a.broke)[0];
    if (top && top.broke > 0) s += ` Most images were broken by ${top.title.split(' (')[0]}.`;
  }
  if (r.checks.warnings.length) {
    s += ` Warning: ${r.checks.warnings.length === 1 ? 'one check suggests' : `${r.checks.warnings.length} checks suggest`} the attack was misled (gradient masking), so the true robust accuracy may be lower.`;
  }
  return s;
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
