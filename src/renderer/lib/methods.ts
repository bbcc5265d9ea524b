/**
 * Training methods as the Train page groups them: by the family each registry entry names, in
 * the order of METHOD_FAMILIES (src/shared/methods.ts), registry order inside a family.
 */
import { METHOD_FAMILIES } from '../../shared/methods';
import type { MethodEntry } from '../../shared/schemas';

export function groupMethods(entries: MethodEntry[]): { family: (typeof METHOD_FAMILIES)[number]; entries: MethodEntry[] }[] {
  return METHOD_FAMILIES.map((family) => ({ family, entries: entries.filter((e) => e.family === family.id) })).filter((g) => g.entries.length > 0);
}
