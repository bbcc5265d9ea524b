/**
 * The training-method registry: adding a method is one file and one line here.
 */
import { LabError } from '../../../shared/errors';
import type { RegistryEntry } from '../../../shared/schemas';
import { parseParams, type ParamValues } from '../../params';
import { erm } from './erm';
import type { TrainMethod } from './method';

export const METHODS: Record<string, TrainMethod> = {
  erm,
};

export function listMethods(): RegistryEntry[] {
  return Object.values(METHODS).map((m) => m.entry);
}

export function resolveMethod(name: string, raw: Record<string, unknown>): { method: TrainMethod; params: ParamValues } {
  const method = METHODS[name];
  if (!method) {
    throw new LabError('bad_input', `Unknown training method "${name}"; known methods: ${Object.keys(METHODS).join(', ')}.`);
  }
  return { method, params: parseParams(`method ${name}`, method.entry.params, raw) };
}
