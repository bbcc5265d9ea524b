/**
 * Sweep expansion: axes (text or objects) → the list of member specs, and the submit-time rules
 * of a sweep. Every member is checked with its job kind's own `check` before anything is stored,
 * so a sweep either starts whole or is refused with one sentence.
 */
import { isDeepStrictEqual } from 'node:util';
import { LabError } from '../../shared/errors';
import { EvalSpecSchema, JobSpecSchema, type JobSpec } from '../../shared/schemas';
import { SweepAxisSchema, type AxisValue, type SweepAxis, type SweepSpec } from '../../shared/sweeps';
import { describeZodIssues, zodIssues } from '../../shared/validation';
import { Rng } from '../engine/random';
import { listAttacks } from '../attacks/registry';
import { getJobKind } from '../jobs/registry';
import type { LabStore } from '../store/store';

/** More members than this is almost surely a typo (a grid of 10 axes); refused with the count. */
export const MAX_SWEEP_MEMBERS = 1000;

export interface ExpandedMember {
  index: number;
  values: Record<string, AxisValue>;
  /** The base spec with the member's values set (not yet validated). */
  spec: Record<string, unknown>;
}

export interface ExpandedSweep {
  kind: string;
  axes: SweepAxis[];
  members: ExpandedMember[];
}

/** A value typed on a command line or in a form: numbers and true/false become typed. */
export function coerceValue(text: string): AxisValue {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

function num(text: string, axis: string): number {
  const n = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(n)) throw new LabError('bad_input', `Axis "${axis}": "${text}" is not a number.`);
  return n;
}

/**
 * `path=v1,v2,…` | `path=a..b` (whole numbers, both included) | `path=lin:lo..hi[:n]` |
 * `path=log:lo..hi[:n]`. Hand-written: the grammar is four forms, smaller than any parser library.
 */
export function parseAxisText(text: string): SweepAxis {
  const eq = text.indexOf('=');
  if (eq < 1) throw new LabError('bad_input', `An axis looks like path=v1,v2 or path=a..b, got "${text}".`);
  const path = text.slice(0, eq).trim();
  const rhs = text.slice(eq + 1).trim();
  if (!rhs) throw new LabError('bad_input', `Axis "${path}" has no values; give path=v1,v2 or path=a..b.`);
  const scaled = /^(lin|log):(.+?)\.\.(.+?)(?::(\d+))?$/.exec(rhs);
  let axis: unknown;
  if (scaled) {
    const [, scale, lo, hi, count] = scaled;
    axis = {
      path,
      range: { min: num(lo!, path), max: num(hi!, path), scale: scale === 'log' ? 'log' : 'linear', ...(count ? { count: Number(count) } : {}) },
    };
  } else if (/^-?\d+\.\.-?\d+$/.test(rhs)) {
    const [a, b] = rhs.split('..').map(Number) as [number, number];
    if (b < a) throw new LabError('bad_input', `Axis "${path}": the range ${rhs} is empty (write the smaller number first).`);
    if (b - a + 1 > MAX_SWEEP_MEMBERS) throw new LabError('bad_input', `Axis "${path}": the range ${rhs} has more than ${MAX_SWEEP_MEMBERS} values.`);
    axis = { path, values: Array.from({ length: b - a + 1 }, (_, i) => a + i) };
  } else if (rhs.includes('..') && !rhs.includes(',')) {
    throw new LabError('bad_input', `Axis "${path}": a..b takes whole numbers; for decimals write lin:${rhs}:N or log:${rhs}:N.`);
  } else {
    const parts = rhs.split(',');
    if (parts.some((p) => p.trim() === '')) throw new LabError('bad_input', `Axis "${path}" has an empty value in "${rhs}".`);
    axis = { path, values: parts.map(coerceValue) };
  }
  const parsed = SweepAxisSchema.safeParse(axis);
  if (!parsed.success) throw new LabError('bad_input', `Axis "${path}": ${describeZodIssues(parsed.error.issues)}`);
  return parsed.data;
}

function normalizeAxis(a: string | SweepAxis): SweepAxis {
  const axis = typeof a === 'string' ? parseAxisText(a) : a;
  if ('range' in axis) {
    const { min, max, scale } = axis.range;
    if (max < min) throw new LabError('bad_input', `Axis "${axis.path}": the range's max (${max}) is below its min (${min}).`);
    if (scale === 'log' && min <= 0) throw new LabError('bad_input', `Axis "${axis.path}": a log range needs a min above 0, got ${min}.`);
  }
  return axis;
}

/** Twelve significant digits: 0.1 + 0.2 shows as 0.3, as a person typed it. */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

/** The values of an axis in a grid. */
export function gridValues(axis: SweepAxis): AxisValue[] {
  if ('values' in axis) return axis.values;
  const { min, max, scale, count, integer } = axis.range;
  if (!count) throw new LabError('bad_input', `Axis "${axis.path}": in a grid a range needs a point count (e.g. lin:${min}..${max}:5).`);
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t = count === 1 ? 0 : i / (count - 1);
    const v = scale === 'log' ? Math.exp(Math.log(min) + t * (Math.log(max) - Math.log(min))) : min + t * (max - min);
    out.push(integer ? Math.round(v) : tidy(v));
  }
  return integer ? [...new Set(out)] : out;
}

function sampleValue(axis: SweepAxis, rng: Rng): AxisValue {
  if ('values' in axis) return axis.values[rng.int(axis.values.length)]!;
  const { min, max, scale, integer } = axis.range;
  if (scale === 'log') {
    const v = Math.exp(rng.uniform(Math.log(min), Math.log(max)));
    return integer ? Math.round(v) : tidy(v);
  }
  if (integer) {
    const lo = Math.ceil(min);
    const hi = Math.floor(max);
    if (hi < lo) throw new LabError('bad_input', `Axis "${axis.path}": no whole number lies between ${min} and ${max}.`);
    return lo + rng.int(hi - lo + 1);
  }
  return tidy(rng.uniform(min, max));
}

/** A copy of `obj` with `value` at the dotted `path` (objects on the way are created). */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  const root = structuredClone(obj);
  let cur: Record<string, unknown> = root;
  for (const k of keys.slice(0, -1)) {
    const next = cur[k];
    if (next === undefined || next === null) cur[k] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) throw new LabError('bad_input', `Axis "${path}": "${k}" is not a group of settings in the base spec.`);
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
  return root;
}

export function getPath(obj: unknown, path: string): unknown {
  let cur = obj;
  for (const k of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

/** Axes → members (values and unvalidated specs), grid or random. No store access. */
export function expandSweep(spec: SweepSpec): ExpandedSweep {
  const kind = spec.base.kind;
  if (typeof kind !== 'string') throw new LabError('bad_input', 'The base spec has no "kind" (train, eval, corrupt, …); use a run\'s stored spec.');
  getJobKind(kind);
  const axes = spec.axes.map(normalizeAxis);
  const seen = new Set<string>();
  for (const a of axes) {
    if (a.path === 'kind') throw new LabError('bad_input', 'An axis cannot change the job kind; sweep over one kind at a time.');
    if (seen.has(a.path)) throw new LabError('bad_input', `Axis "${a.path}" is given twice; put all its values in one axis.`);
    for (const b of seen) {
      if (a.path.startsWith(`${b}.`) || b.startsWith(`${a.path}.`)) throw new LabError('bad_input', `Axes "${b}" and "${a.path}" overlap; one is inside the other.`);
    }
    seen.add(a.path);
  }
  const combos: Record<string, AxisValue>[] = [];
  if (spec.mode === 'random') {
    if (!spec.samples) throw new LabError('bad_input', 'A random search needs a number of samples.');
    const rng = new Rng(spec.seed);
    for (let i = 0; i < spec.samples; i++) {
      const values: Record<string, AxisValue> = {};
      for (const a of axes) values[a.path] = sampleValue(a, rng);
      combos.push(values);
    }
  } else {
    const lists = axes.map(gridValues);
    const total = lists.reduce((n, l) => n * l.length, 1);
    if (total > MAX_SWEEP_MEMBERS) {
      throw new LabError('bad_input', `This grid has ${total} members, more than the ${MAX_SWEEP_MEMBERS} a sweep may have; use fewer values or a random search.`);
    }
    // Last axis varies fastest, like nested loops written in axis order.
    for (let i = 0; i < total; i++) {
      const values: Record<string, AxisValue> = {};
      let rest = i;
      for (let a = axes.length - 1; a >= 0; a--) {
        const list = lists[a]!;
        values[axes[a]!.path] = list[rest % list.length]!;
        rest = Math.floor(rest / list.length);
      }
      combos.push(Object.fromEntries(axes.map((a) => [a.path, values[a.path]!])));
    }
  }
  const base = { ...spec.base };
  delete base.name;
  const members = combos.map((values, index) => {
    let s: Record<string, unknown> = base;
    for (const [path, v] of Object.entries(values)) s = setPath(s, path, v);
    return { index, values, spec: s };
  });
  return { kind, axes, members };
}

/** `optimizer.lr=0.01 seed=2`: how a member is named and listed. */
export function describeValues(values: Record<string, AxisValue>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

export interface CheckedMember extends ExpandedMember {
  spec: JobSpec & Record<string, unknown>;
}

export interface CheckedSweep {
  kind: string;
  axes: SweepAxis[];
  members: CheckedMember[];
  /** The chained eval template (its `model` is filled in per member), validated. */
  thenEval: Record<string, unknown> | null;
}

/**
 * The submit-time rules of a sweep: every member passes its kind's schema and `check`, every
 * axis lands on a real field (zod drops unknown keys, so a misspelt path would silently do
 * nothing), and a chained eval is a valid eval spec. Never writes to the store.
 */
export function checkSweep(store: LabStore, spec: SweepSpec): CheckedSweep {
  const { kind, axes, members } = expandSweep(spec);
  if (spec.thenEval && kind !== 'train') throw new LabError('bad_input', 'A chained evaluation follows training; the base spec of this sweep is not a train spec.');
  const jobKind = getJobKind(kind);
  const checked: CheckedMember[] = [];
  for (const m of members) {
    const where = `Member ${m.index + 1} (${describeValues(m.values)})`;
    const parsed = JobSpecSchema.safeParse(m.spec);
    if (!parsed.success) throw new LabError('bad_input', `${where}: ${describeZodIssues(parsed.error.issues)}`);
    for (const [path, v] of Object.entries(m.values)) {
      const got = getPath(parsed.data, path);
      if (!isDeepStrictEqual(got, v)) {
        throw new LabError(
          'bad_input',
          got === undefined
            ? `Axis "${path}" is not a setting of a ${kind} spec; check its spelling against \`runs show RUN --json\`'s spec.`
            : `Axis "${path}": the value ${JSON.stringify(v)} does not fit this setting (it became ${JSON.stringify(got)}).`,
        );
      }
    }
    let sub;
    try {
      sub = jobKind.check(store, parsed.data, `r_sweep_check_${m.index}`);
    } catch (err) {
      const issues = zodIssues(err);
      const msg = issues ? describeZodIssues(issues) : LabError.from(err).message;
      throw new LabError(LabError.from(err).code === 'not_found' ? 'not_found' : 'bad_input', `${where}: ${msg}`);
    }
    checked.push({ ...m, spec: sub.spec as CheckedMember['spec'] });
  }
  let thenEval: Record<string, unknown> | null = null;
  if (spec.thenEval) {
    const t: Record<string, unknown> = { ...spec.thenEval, kind: 'eval' };
    delete t.model;
    const parsed = EvalSpecSchema.safeParse({ ...t, model: 'the trained model' });
    if (!parsed.success) throw new LabError('bad_input', `The chained eval spec: ${describeZodIssues(parsed.error.issues)}`);
    store.getDataset(parsed.data.dataset);
    const attack = parsed.data.attack.name;
    if (attack !== 'none' && !listAttacks().some((a) => a.name === attack)) {
      throw new LabError('bad_input', `The chained eval spec: unknown attack "${attack}"; known: ${listAttacks().map((a) => a.name).join(', ')}.`);
    }
    thenEval = t;
  }
  return { kind, axes, members: checked, thenEval };
}
