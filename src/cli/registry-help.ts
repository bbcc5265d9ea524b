/**
 * CLI help text generated from the registries, so `--help` lists exactly the names the lab knows
 * (a new attack, method or architecture appears here without touching the CLI).
 */
import { CERTIFY_METHODS, NO_ATTACK } from '../shared/constants';
import { listAttacks } from '../core/attacks/registry';
import { listArchitectures } from '../core/models/registry';
import { listMethods } from '../core/training/methods/registry';

/** "a, b or c". */
export function orList(names: readonly string[]): string {
  return names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

export function architectureNames(): string[] {
  return listArchitectures().map((a) => a.name);
}

export function methodNames(): string[] {
  return listMethods().map((m) => m.name);
}

/** Every attack of the registry, `none` (clean accuracy only) first. */
export function attackNames(): string[] {
  const names = listAttacks().map((a) => a.name);
  return [NO_ATTACK, ...names.filter((n) => n !== NO_ATTACK)];
}

export function certifyNames(): string[] {
  return [...CERTIFY_METHODS];
}
