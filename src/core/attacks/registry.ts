/**
 * The attack registry: adding an attack is one file and one line here.
 */
import { LabError } from '../../shared/errors';
import type { AttackSpec, RegistryEntry } from '../../shared/schemas';
import { parseParams, type ParamValues } from '../params';
import type { Attack } from './attack';
import { fgsm } from './fgsm';
import { pgd } from './pgd';

const NONE: RegistryEntry = {
  name: 'none',
  title: 'No attack (clean accuracy)',
  description: 'Measures how often the model is right on the unchanged images.',
  params: [],
};

export const ATTACKS: Record<string, Attack> = {
  fgsm,
  pgd,
};

export function listAttacks(): RegistryEntry[] {
  return [NONE, ...Object.values(ATTACKS).map((a) => a.entry)];
}

/** Validates an attack spec; returns the attack (null for 'none') and its full parameters. */
export function resolveAttack(spec: AttackSpec): { attack: Attack | null; params: ParamValues } {
  if (spec.name === 'none') {
    parseParams('the clean evaluation', [], spec.params);
    return { attack: null, params: {} };
  }
  const attack = ATTACKS[spec.name];
  if (!attack) {
    throw new LabError('bad_input', `Unknown attack "${spec.name}"; known attacks: ${listAttacks().map((a) => a.name).join(', ')}.`);
  }
  const params = parseParams(`attack ${spec.name}`, attack.entry.params, spec.params);
  attack.check?.(params);
  return { attack, params };
}
