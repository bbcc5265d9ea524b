/**
 * An evaluation report in plain words, shared by the exported HTML/CSV (core) and the report page
 * (renderer), so both always say the same sentence. Pure functions over the shared types.
 */
import type { EvaluationReport } from './schemas';
import { formatPercent } from './format';

/**
 * How visible a change of eps per pixel (L∞) is, in words, over the whole range 0..1 (pixel values
 * run from 0 to 1). Above 0.5 every pixel can be pushed to mid-grey, so the image can lose its
 * meaning entirely; at 1 it can be replaced by any other image.
 */
export function visibility(eps: number): string {
  if (eps <= 0) return 'no change at all (eps 0 measures clean accuracy)';
  if (eps <= 8 / 255 + 1e-9) return 'changes too small for a person to see';
  if (eps <= 0.1 + 1e-9) return 'small changes a person could notice on close inspection';
  if (eps <= 0.3 + 1e-9) return 'changes a person can clearly see, though the image usually keeps its meaning';
  if (eps < 0.5 - 1e-9) return 'large changes that can hide or draw strokes, so the image may no longer show its class';
  if (eps < 1 - 1e-9) return 'changes so large that every image can be turned into plain grey, so the image need not keep its meaning';
  return 'changes without limit: any image can be replaced by any other, so no model can stay correct';
}

/**
 * A class as a report names it: its name where the dataset has one ("Bag"), "class 8" where the
 * classes are only numbered (a bare "8" beside a percentage reads as a number).
 */
export function classLabel(name: string): string {
  return /^\d+$/.test(name.trim()) ? `class ${name.trim()}` : name;
}

/** "1 image" / "24 images". */
function images(n: number): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? 'image' : 'images'}`;
}

/**
 * What an ensemble (AutoAttack) did, counted in images: how many of the correctly classified ones
 * were broken, by which member most, and the share of all images that survive every member.
 * Counts come from the per-class table (exact integers), not from rounded percentages.
 */
export function stagesSentence(r: EvaluationReport): string | null {
  if (!r.stages?.length || r.robustAccuracy == null) return null;
  const counted = r.perClass.length > 0 && r.perClass.every((p) => p.robustCorrect != null);
  const correct = counted ? r.perClass.reduce((a, p) => a + p.cleanCorrect, 0) : Math.round(r.cleanAccuracy * r.count);
  const survive = counted ? r.perClass.reduce((a, p) => a + (p.robustCorrect ?? 0), 0) : Math.round(r.robustAccuracy * r.count);
  const broken = Math.max(0, correct - survive);
  const name = (t: string) => t.split(' (')[0];
  if (correct === 0) return 'The model got no image right before the attack, so there was nothing to break.';
  const rest = `${pct(r.robustAccuracy)} of all ${images(r.count)} survive every attack`;
  if (broken === 0) return `None of the ${images(correct)} classified correctly was broken; ${rest}.`;
  const breakers = r.stages.filter((s) => s.broke > 0).sort((a, b) => b.broke - a.broke);
  const top = breakers[0];
  const who = !top
    ? ''
    : breakers.length === 1 && top.broke === broken
      ? `, all by ${name(top.title)}`
      : `, ${top.broke.toLocaleString('en-US')} of them by ${name(top.title)}`;
  const head = broken === correct
    ? `All ${images(correct)} classified correctly were broken`
    : `${broken.toLocaleString('en-US')} of the ${images(correct)} classified correctly ${broken === 1 ? 'was' : 'were'} broken`;
  return broken === correct ? `${head}${who}; none survives every attack.` : `${head}${who}; ${rest}.`;
}

/** 0.0313725… → "8/255"; short decimals stay decimals (0.2, not 51/255); others to 3 digits. */
export function formatEps(eps: number): string {
  const short = +eps.toPrecision(3);
  if (Math.abs(short - eps) < 1e-12) return `${short}`;
  const k = eps * 255;
  if (eps > 0 && Math.abs(k - Math.round(k)) < 1e-3 && Math.round(k) <= 255) return `${Math.round(k)}/255`;
  return `${short}`;
}

/** A percentage with whole points by default (the report's style), from the one formatter. */
export function pct(v: number | null | undefined, digits = 0): string {
  return formatPercent(v, digits);
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
  const stages = stagesSentence(r);
  if (stages) s += ` ${stages}`;
  if (r.checks.warnings.length) {
    s += ` Warning: ${r.checks.warnings.length === 1 ? 'one check suggests' : `${r.checks.warnings.length} checks suggest`} the attack was misled (gradient masking), so the true robust accuracy may be lower.`;
  }
  return s;
}
