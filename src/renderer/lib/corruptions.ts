/**
 * Corruption studio helpers: registry grouping, the editable recipe state and its conversion to
 * the API's Recipe, and defensive readers of what the store keeps as `unknown` (a dataset's
 * recipe, a corruption benchmark's evaluation details).
 */
import type { CorruptionInfo, CorruptionStep, DatasetInfo, RecipeInput } from '../../shared/schemas';
import { cleanParams, validateParams, type ParamValues } from '../components/ParamForm';
import { formatNumber } from './format';
import { CORRUPTION_FAMILIES } from '../../shared/corruption-families';

export type Family = CorruptionInfo['family'];

/** Families in the order the studio lists them, with plain names (from src/shared/corruption-families.ts). */
export const FAMILIES: { family: Family; label: string }[] = CORRUPTION_FAMILIES.map((f) => ({ family: f.id, label: f.title }));

/** One step as the editor holds it: numbers may be '' while typed; class map and matrix as text. */
export interface StepState {
  /** Stable key for React and for focus after a move. */
  key: string;
  corruption: string;
  severity: number;
  params: ParamValues;
  /** Only these splits; empty = every split of the job. */
  splits: ('train' | 'test')[];
  classMapText: string;
  matrixText: string;
}

let nextKey = 1;
export function newStepKey(): string {
  return `step-${Date.now().toString(36)}-${nextKey++}`;
}

export function newStep(info: CorruptionInfo): StepState {
  const params: ParamValues = {};
  for (const p of info.params) params[p.key] = p.default;
  return {
    key: newStepKey(),
    corruption: info.name,
    severity: info.severities.length ? info.defaultSeverity : 1,
    params,
    splits: [],
    classMapText: '',
    matrixText: '',
  };
}

function parseNumberList(text: string): number[] | null {
  const parts = text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return null;
  const out = parts.map(Number);
  return out.every((v) => Number.isFinite(v)) ? out : null;
}

/** A class map from "1, 2, 3, 0": class i flips to the i-th number. */
export function parseClassMap(text: string, numClasses: number): { value?: number[]; error?: string } {
  if (!text.trim()) return {};
  const v = parseNumberList(text);
  if (!v) return { error: 'Class map: write whole numbers separated by commas, e.g. 1, 2, 3, 0.' };
  if (v.length !== numClasses) return { error: `Class map: give one class per class (${numClasses} numbers, got ${v.length}).` };
  if (v.some((x) => !Number.isInteger(x) || x < 0 || x >= numClasses)) {
    return { error: `Class map: every number must be a class from 0 to ${numClasses - 1}.` };
  }
  return { value: v };
}

/** A transition matrix: one row per line, numbers separated by commas or spaces; rows sum to 1. */
export function parseMatrix(text: string, numClasses: number): { value?: number[][]; error?: string } {
  if (!text.trim()) return { error: `Transition matrix: write ${numClasses} rows of ${numClasses} chances, one row per line.` };
  const rows = text
    .split(/\n+/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map(parseNumberList);
  if (rows.some((r) => !r)) return { error: 'Transition matrix: write numbers separated by commas or spaces, one row per line.' };
  const m = rows as number[][];
  if (m.length !== numClasses || m.some((r) => r.length !== numClasses)) {
    return { error: `Transition matrix: it needs ${numClasses} rows of ${numClasses} numbers.` };
  }
  for (let i = 0; i < m.length; i++) {
    const row = m[i]!;
    if (row.some((x) => x < 0 || x > 1)) return { error: `Transition matrix: row ${i + 1} has a chance outside 0 to 1.` };
    const sum = row.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-3) return { error: `Transition matrix: row ${i + 1} sums to ${formatNumber(sum)}; every row must sum to 1.` };
  }
  return { value: m };
}

/** A symmetric-noise matrix as text, a starting point for the transition-matrix editor. */
export function defaultMatrixText(numClasses: number, rate = 0.2): string {
  const off = numClasses > 1 ? rate / (numClasses - 1) : 0;
  const rows: string[] = [];
  for (let i = 0; i < numClasses; i++) {
    const row: string[] = [];
    for (let j = 0; j < numClasses; j++) row.push(formatNumber(i === j ? 1 - rate : off, 3).replace(/,/g, ''));
    rows.push(row.join(', '));
  }
  return rows.join('\n');
}

/** The API step for an editor step, or the first problem with it in one sentence. */
export function toApiStep(
  s: StepState,
  info: CorruptionInfo | undefined,
  dataset: DatasetInfo | undefined,
): { step?: CorruptionStep; error?: string } {
  if (!info) return { error: `Unknown corruption "${s.corruption}"; remove this step.` };
  const bad = validateParams(info.params, s.params);
  if (bad) return { error: `${info.title}: ${bad}` };
  if (info.colourOnly && dataset && dataset.channels < 3) {
    return { error: `${info.title} works on colour images only; ${dataset.name} is grey. Remove this step.` };
  }
  const step: CorruptionStep = { corruption: s.corruption, params: cleanParams(info.params, s.params) };
  if (info.severities.length) step.severity = s.severity;
  if (s.splits.length) step.splits = s.splits;
  const numClasses = dataset?.numClasses ?? 0;
  if (info.needs === 'classMap') {
    const cm = parseClassMap(s.classMapText, numClasses);
    if (cm.error) return { error: `${info.title}: ${cm.error}` };
    if (cm.value) step.classMap = cm.value;
  } else if (info.needs === 'matrix') {
    const m = parseMatrix(s.matrixText, numClasses);
    if (m.error) return { error: `${info.title}: ${m.error}` };
    step.matrix = m.value;
  }
  return { step };
}

export function buildRecipe(
  steps: StepState[],
  registry: CorruptionInfo[] | undefined,
  dataset: DatasetInfo | undefined,
  seed: number | '',
): { recipe?: RecipeInput; error?: string } {
  if (steps.length === 0) return { error: 'Add a corruption to start the recipe.' };
  const out: CorruptionStep[] = [];
  for (const s of steps) {
    const r = toApiStep(
      s,
      registry?.find((c) => c.name === s.corruption),
      dataset,
    );
    if (r.error) return { error: r.error };
    out.push(r.step!);
  }
  if (seed === '' || !Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) {
    return { error: 'Seed: a whole number from 0 to 2,147,483,647.' };
  }
  return { recipe: { steps: out, seed } };
}

/** "Gaussian noise, severity 3" (+ the changed parameters). */
export function stepText(
  step: { corruption: string; severity?: number; params?: Record<string, unknown>; splits?: string[] },
  registry?: CorruptionInfo[],
): string {
  const info = registry?.find((c) => c.name === step.corruption);
  let s = info?.title ?? step.corruption;
  if (step.severity !== undefined && (!info || info.severities.length)) s += `, severity ${step.severity}`;
  const changed = Object.entries(step.params ?? {}).filter(([k, v]) => {
    const d = info?.params.find((p) => p.key === k);
    return d ? d.default !== v : true;
  });
  if (changed.length) {
    s += ` (${changed
      .map(([k, v]) => {
        const d = info?.params.find((p) => p.key === k);
        return `${d?.label ?? k} ${typeof v === 'number' ? formatNumber(v) : String(v)}`;
      })
      .join(', ')})`;
  }
  if (step.splits?.length) s += ` — ${step.splits.join(' and ')} split only`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// A corrupted dataset's stored recipe (DatasetInfo.recipe is `unknown` in the contract).
// ---------------------------------------------------------------------------------------------
export interface DatasetRecipeView {
  steps: { corruption: string; severity?: number; params?: Record<string, unknown>; splits?: string[] }[];
  seed: number | null;
  splits: string[];
  parent: { id: string; name: string } | null;
  runId: string | null;
  createdBy: string | null;
  report: Partial<Record<'train' | 'test', { count?: number; sourceCount?: number; labelNoiseRate?: number | null; poisoned?: number | null; classCounts?: number[] }>>;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

export function readDatasetRecipe(d: DatasetInfo): DatasetRecipeView | null {
  const r = d.recipe;
  if (!isObj(r) || !Array.isArray(r.steps)) return null;
  const steps = r.steps.filter(isObj).map((s) => ({
    corruption: String(s.corruption ?? '?'),
    severity: typeof s.severity === 'number' ? s.severity : undefined,
    params: isObj(s.params) ? s.params : undefined,
    splits: Array.isArray(s.splits) ? s.splits.map(String) : undefined,
  }));
  const parent = isObj(r.parent) && typeof r.parent.id === 'string' ? { id: r.parent.id, name: String(r.parent.name ?? r.parent.id) } : null;
  return {
    steps,
    seed: typeof r.seed === 'number' ? r.seed : null,
    splits: Array.isArray(r.splits) ? r.splits.map(String) : [],
    parent,
    runId: typeof r.runId === 'string' ? r.runId : null,
    createdBy: typeof r.createdBy === 'string' ? r.createdBy : null,
    report: isObj(r.report) ? (r.report as DatasetRecipeView['report']) : {},
  };
}

// ---------------------------------------------------------------------------------------------
// The corruption benchmark's evaluation details (EvaluationInfo.details is a record of unknowns).
// ---------------------------------------------------------------------------------------------
// The benchmark's table reader, numbers and words live in src/shared/benchmark-text.ts (the
// exported HTML/CSV report uses them too).
export {
  CE_HELP,
  isBenchmarkEvaluation,
  MCE_HELP,
  MEAN_ACC_HELP,
  mean,
  readBenchmark,
  REL_MCE_HELP,
  severitiesText,
  type BenchmarkDetails,
} from '../../shared/benchmark-text';
