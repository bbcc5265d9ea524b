/**
 * Turning a registry entry's parameter descriptors into validated values. The same descriptors
 * generate the UI forms, so the form, the CLI and the job spec agree on names, ranges and defaults.
 */
import { LabError } from '../shared/errors';
import type { ParamDescriptor } from '../shared/schemas';

export type ParamValues = Record<string, number | boolean | string>;

export function parseParams(what: string, descriptors: ParamDescriptor[], raw: Record<string, unknown>): ParamValues {
  const known = new Map(descriptors.map((d) => [d.key, d]));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      const names = descriptors.map((d) => d.key).join(', ') || 'none';
      throw new LabError('bad_input', `Unknown parameter "${key}" for ${what}; its parameters are: ${names}.`);
    }
  }
  const out: ParamValues = {};
  for (const d of descriptors) {
    let v = raw[d.key];
    if (v === undefined || v === null || v === '') {
      out[d.key] = d.default;
      continue;
    }
    switch (d.type) {
      case 'number':
      case 'integer': {
        const n = typeof v === 'string' ? Number(v) : v;
        if (typeof n !== 'number' || !Number.isFinite(n)) {
          throw new LabError('bad_input', `${what}: ${d.label} (${d.key}) must be a number, got "${String(v)}".`);
        }
        if (d.type === 'integer' && !Number.isInteger(n)) {
          throw new LabError('bad_input', `${what}: ${d.label} (${d.key}) must be a whole number, got ${n}.`);
        }
        if (d.min !== undefined && n < d.min) {
          throw new LabError('bad_input', `${what}: ${d.label} (${d.key}) must be at least ${d.min}, got ${n}.`);
        }
        if (d.max !== undefined && n > d.max) {
          throw new LabError('bad_input', `${what}: ${d.label} (${d.key}) must be at most ${d.max}, got ${n}.`);
        }
        v = n;
        break;
      }
      case 'boolean': {
        if (typeof v === 'string') {
          if (['true', '1', 'yes', 'on'].includes(v.toLowerCase())) v = true;
          else if (['false', '0', 'no', 'off'].includes(v.toLowerCase())) v = false;
        }
        if (typeof v !== 'boolean') {
          throw new LabError('bad_input', `${what}: ${d.label} (${d.key}) must be true or false, got "${String(v)}".`);
        }
        break;
      }
      case 'string': {
        if (typeof v !== 'string') v = String(v);
        if (d.pattern && !new RegExp(d.pattern).test(v as string)) {
          throw new LabError('bad_input', `${what}: ${d.label} (${d.key}) has the wrong form: "${String(v)}". ${d.help}`);
        }
        break;
      }
      case 'enum': {
        const opts = (d.options ?? []).map((o) => o.value);
        if (typeof v !== 'string' || !opts.includes(v)) {
          throw new LabError('bad_input', `${what}: ${d.label} (${d.key}) must be one of ${opts.join(', ')}, got "${String(v)}".`);
        }
        break;
      }
    }
    out[d.key] = v as number | boolean | string;
  }
  return out;
}
