/**
 * An evaluation report in plain words, shared by the exported HTML/CSV (core) and the report page
 * (renderer), so both always say the same sentence. Pure functions over the shared types.
 */
import type { EvaluationReport } from './schemas';

/** How visible a change of eps per pixel is, in words (pixel values run from 0 to 1). */
export function visibility(eps: number): string {
  return eps <= 8 / 255 + 1e-9
    ? 'changes too small for a person to see'
    : eps <= 0.1
      ? 'small changes a person could notice on close inspection'
      : 'changes a person can clearly see, though the image keeps its meaning';
}

/** 0.0313725… → "8/255"; short decimals stay decimals (0.2, not 51/255); others to 3 digits. */
export function formatEps(eps: number): string {
  const short = +eps.toPrecision(3);
  if (Math.abs(short - eps) < 1e-12) return `${short}`;
  const k = eps * 255;
  if (eps > 0 && Math.abs(k - Math.round(k)) < 1e-3 && Math.round(k) <= 255) return `${Math.round(k)}/255`;
  return `${short}`;
}

export function pct(v: number | null | undefined, digits = 0): string {
  if (v == null || !Number.isFinite(v)) return '—';
  return `${(v * 100).toFixed(digits)} %`;
}

/** The plain-language summary: one or two sentences a non-specialist can act on. */
export function summarySentence(r: EvaluationReport, splitName = 'test'): string {
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
    const found = r.minimal?.found ?? 0;
    const attacked = r.minimal?.attacked ?? 0;
    s = med != null
      ? `Half of the images the model gets right can be made wrong by a change of ${formatEps(med)} ${unit} or less`
      : found > 0
        ? `The attack made the model wrong on ${found} of the ${attacked} images it gets right, fewer than half, so the median change is not known`
        : `The attack found no change that makes the model wrong`;
    const within = r.minimal?.norm === 'linf' ? `within ${formatEps(eps ?? 0)} per pixel` : `within an L2 length of ${formatEps(eps ?? 0)}`;
    s += eps != null ? `; ${within}, ${falls}.` : '.';
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
