/** Evaluation results in plain words. */
import type { AttackSpec, EvaluationInfo, RegistryEntry } from '../../shared/schemas';
import { formatInt, formatNumber, formatPercent } from './format';

const EPS_KEYS = ['eps', 'epsilon'];
const STEP_KEYS = ['steps', 'iterations', 'numSteps', 'nbIter'];

export function findKey(params: Record<string, unknown>, candidates: string[]): string | undefined {
  const keys = Object.keys(params);
  for (const c of candidates) {
    const hit = keys.find((k) => k.toLowerCase() === c.toLowerCase());
    if (hit) return hit;
  }
  return undefined;
}

export function isNoAttack(attack: AttackSpec | undefined | null): boolean {
  return !attack || attack.name === 'none' || attack.name === '';
}

/** "PGD" from the registry title (without any parenthesis), or the name in capitals. */
export function attackShortName(name: string, entries?: RegistryEntry[]): string {
  const entry = entries?.find((e) => e.name === name);
  const title = entry?.title?.split(/\s[(:–-]\s?/)[0]?.trim();
  return title || name.toUpperCase();
}

export function attackEps(attack: AttackSpec): number | undefined {
  const k = findKey(attack.params, EPS_KEYS);
  const v = k ? attack.params[k] : undefined;
  return typeof v === 'number' ? v : undefined;
}

/** "PGD, 20 steps" or "FGSM". */
export function describeAttack(attack: AttackSpec, entries?: RegistryEntry[]): string {
  if (isNoAttack(attack)) return 'no attack';
  if (attack.name.startsWith('certify-')) return `certified (${attack.name.slice('certify-'.length).toUpperCase()})`;
  if (attack.name === 'corruptions') return 'corruption benchmark';
  const name = attackShortName(attack.name, entries);
  const k = findKey(attack.params, STEP_KEYS);
  const steps = k ? attack.params[k] : undefined;
  return typeof steps === 'number' ? `${name}, ${formatInt(steps)} ${steps === 1 ? 'step' : 'steps'}` : name;
}

/** "0.1 (about 26 of 255 brightness levels)". */
export function epsText(eps: number): string {
  const levels = Math.round(eps * 255);
  return `${formatNumber(eps)} (about ${levels} of 255 brightness levels)`;
}

export function evalSentence(ev: EvaluationInfo, entries?: RegistryEntry[]): string {
  const images = `${formatInt(ev.count)} ${ev.split === 'train' ? 'training' : 'test'} ${ev.count === 1 ? 'image' : 'images'}`;
  if (ev.details?.benchmark === 'corruptions' && ev.robustAccuracy !== null) {
    const n = Array.isArray(ev.details.corruptions) ? ev.details.corruptions.length : 0;
    return `Under ${n} ${n === 1 ? 'corruption' : 'corruptions'}, accuracy ${ev.robustAccuracy < ev.cleanAccuracy ? 'falls' : 'goes'} from ${formatPercent(ev.cleanAccuracy)} (clean) to ${formatPercent(ev.robustAccuracy)} on average (${images}).`;
  }
  if (isNoAttack(ev.attack) || ev.robustAccuracy === null) {
    return `On ${images} without any attack, the model is right ${formatPercent(ev.cleanAccuracy)} of the time.`;
  }
  const clean = formatPercent(ev.cleanAccuracy);
  const robust = formatPercent(ev.robustAccuracy);
  const eps = attackEps(ev.attack);
  const how = describeAttack(ev.attack, entries);
  const under = eps !== undefined ? `Under changes of at most ${formatNumber(eps)} per pixel (${how})` : `Under the ${how} attack`;
  let change: string;
  if (clean === robust) change = `accuracy stays at ${clean}`;
  else if (ev.robustAccuracy < ev.cleanAccuracy) change = `accuracy falls from ${clean} to ${robust}`;
  else change = `accuracy goes from ${clean} to ${robust}`;
  return `${under}, ${change} (${images}).`;
}

export const ROBUST_HELP =
  'Robust accuracy: the share of images the model still labels correctly after the attack was allowed to change every pixel by at most eps (pixel values run from 0 to 1).';
