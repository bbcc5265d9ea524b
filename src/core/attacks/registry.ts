/**
 * The attack registry: adding an attack is one file and one line here.
 */
import { LabError } from '../../shared/errors';
import type { AttackSpec, RegistryEntry } from '../../shared/schemas';
import { parseParams, type ParamValues } from '../params';
import type { Attack } from './attack';
import { fgsm } from './fgsm';
import { pgd } from './pgd';
import { pgdL2 } from './pgd-l2';
import { apgdCe } from './apgd-ce';
import { apgdDlr } from './apgd-dlr';
import { apgdT } from './apgd-t';
import { square } from './square';
import { deepfool } from './deepfool';
import { cwL2 } from './cw-l2';
import { md } from './md';
import { pgdMin } from './pgd-min';
import { autoattack } from './autoattack';

const NONE: RegistryEntry = {
  name: 'none',
  title: 'No attack (clean accuracy)',
  description: 'Measures how often the model is right on the unchanged images.',
  params: [],
};

export const ATTACKS: Record<string, Attack> = {
  fgsm,
  pgd,
  'pgd-l2': pgdL2,
  'apgd-ce': apgdCe,
  'apgd-dlr': apgdDlr,
  'apgd-t': apgdT,
  square,
  deepfool,
  'cw-l2': cwL2,
  md,
  'pgd-min': pgdMin,
  autoattack,
};

export function listAttacks(): RegistryEntry[] {
  return [NONE, ...Object.values(ATTACKS).map((a) => a.entry)];
}

export function getAttack(name: string): Attack | null {
  return Object.prototype.hasOwnProperty.call(ATTACKS, name) ? ATTACKS[name] : null;
}

/**
 * Validates an attack spec; returns the attack (null for 'none') and its full parameters.
 * With `numClasses`, also refuses attacks whose loss needs more classes than the model has.
 */
export function resolveAttack(spec: AttackSpec, numClasses?: number): { attack: Attack | null; params: ParamValues } {
  if (spec.name === 'none') {
    parseParams('the clean evaluation', [], spec.params);
    return { attack: null, params: {} };
  }
  const attack = getAttack(spec.name);
  if (!attack) {
    throw new LabError('bad_input', `Unknown attack "${spec.name}"; known attacks: ${listAttacks().map((a) => a.name).join(', ')}.`);
  }
  const params = parseParams(`attack ${spec.name}`, attack.entry.params, spec.params);
  attack.check?.(params);
  if (numClasses !== undefined) checkClasses(attack, params, numClasses);
  return { attack, params };
}

/** Refuses an attack whose loss is undefined for a model with this few classes. */
export function checkClasses(attack: Attack, params: ParamValues, numClasses: number): void {
  const need = attack.minClasses?.(params) ?? 2;
  if (numClasses < need) {
    throw new LabError(
      'bad_input',
      `Attack ${attack.entry.name} needs a model with at least ${need} classes (its DLR loss compares the ${need === 3 ? 'three' : 'four'} largest outputs), but this model has ${numClasses}. ` +
        'Use apgd-ce, pgd or autoattack instead.',
    );
  }
}
