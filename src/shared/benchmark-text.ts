/**
 * A corruption benchmark in plain words and numbers, shared by the report page (renderer) and the
 * exported HTML/CSV (core), so both say the same thing. Pure functions over the shared types.
 *
 * The four headline numbers can seem to contradict each other (mCE below 100 % "better than the
 * baseline" beside a relative mCE above 100 % "worse"), so each gets one line that names what it is
 * measured against: the clean reference (the evaluated dataset without further corruption, which
 * may itself be a corrupted copy) and the baseline model.
 */
import type { DatasetInfo, EvaluationInfo } from './schemas';
import { pct } from './report-text';

// The corruption benchmark's evaluation details (EvaluationInfo.details is a record of unknowns).
export interface BenchmarkDetails {
  corruptions: string[];
  titles: string[];
  severities: number[];
  /** accuracy[c][k]: under corruptions[c] at severities[k]. */
  accuracy: number[][];
  meanCorruptionAccuracy: number;
  ce: (number | null)[];
  relativeCe: (number | null)[];
  mCE: number | null;
  relativeMCE: number | null;
  baseline: { modelId: string; name: string; cleanAccuracy: number; accuracy: number[][] | null } | null;
  seed: number | null;
  seconds: number | null;
}

/** What the report knows about the evaluated dataset, to name the clean reference. */
export interface BenchmarkContext {
  datasetName?: string;
  /** The dataset is itself a corrupted copy: its parent's name and the corruptions of its recipe. */
  derivedFrom?: { parentName: string; corruptions: string[] } | null;
}

function isObj(x: unknown): x is Record<string, unknown> {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

export function isBenchmarkEvaluation(ev: EvaluationInfo): boolean {
  return ev.details?.benchmark === 'corruptions';
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

export function readBenchmark(ev: EvaluationInfo): BenchmarkDetails | null {
  const d = ev.details;
  if (!isBenchmarkEvaluation(ev) || !Array.isArray(d.corruptions) || !Array.isArray(d.accuracy)) return null;
  const corruptions = d.corruptions.map(String);
  const titles = Array.isArray(d.titles) ? d.titles.map(String) : corruptions;
  const accuracy = (d.accuracy as unknown[]).map((row) => (Array.isArray(row) ? row.map((v) => num(v) ?? NaN) : []));
  const list = (x: unknown) => (Array.isArray(x) ? x.map(num) : corruptions.map(() => null));
  const b = isObj(d.baseline) ? d.baseline : null;
  return {
    corruptions,
    titles,
    severities: Array.isArray(d.severities) ? d.severities.map(Number) : [],
    accuracy,
    meanCorruptionAccuracy: num(d.meanCorruptionAccuracy) ?? ev.robustAccuracy ?? NaN,
    ce: list(d.ce),
    relativeCe: list(d.relativeCe),
    mCE: num(d.mCE),
    relativeMCE: num(d.relativeMCE),
    baseline: b
      ? {
          modelId: String(b.modelId ?? ''),
          name: String(b.name ?? b.modelId ?? 'baseline'),
          cleanAccuracy: num(b.cleanAccuracy) ?? NaN,
          accuracy: Array.isArray(b.accuracy) ? (b.accuracy as unknown[]).map((r) => (Array.isArray(r) ? r.map((v) => num(v) ?? NaN) : [])) : null,
        }
      : null,
    seed: num(d.seed),
    seconds: num(d.seconds),
  };
}

export function mean(xs: number[]): number {
  const v = xs.filter((x) => Number.isFinite(x));
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

/** Severities as "1–5" or "1, 3, 5". */
export function severitiesText(sev: number[]): string {
  const s = [...sev].sort((a, b) => a - b);
  if (s.length > 2 && s.every((v, i) => i === 0 || v === s[i - 1]! + 1)) return `${s[0]}–${s[s.length - 1]}`;
  return s.join(', ');
}

export const MCE_HELP =
  'Mean corruption error (mCE): for each corruption, the model’s errors summed over the severities divided by the baseline model’s, then averaged over the corruptions. Below 100 % the model makes fewer errors under corruption than the baseline; above, more.';
export const REL_MCE_HELP =
  'Relative mCE: like mCE, but counts only the errors the corruption adds on top of each model’s clean errors. Below 100 % the model loses less accuracy to the corruptions than the baseline does; above, more — whatever its clean accuracy.';
export const MEAN_ACC_HELP =
  'Mean corruption accuracy: the share of corrupted images labelled correctly, averaged over every corruption and severity measured.';
export const CE_HELP =
  'Corruption error (CE) of one corruption: the model’s errors summed over the severities divided by the baseline’s. 100 % = as bad as the baseline.';

/** "the test images of fog-digits (itself mnist-digits with Fog)" — what "clean" refers to. */
export function cleanReference(ev: Pick<EvaluationInfo, 'split'>, ctx: BenchmarkContext = {}): string {
  const split = ev.split === 'train' ? 'training' : 'test';
  const name = ctx.datasetName ? `the ${split} images of “${ctx.datasetName}”` : `the ${split} images`;
  const d = ctx.derivedFrom;
  if (!d) return `${name}, without corruption`;
  const what = d.corruptions.length ? d.corruptions.join(' + ') : 'corruptions';
  return `${name} as stored — itself a corrupted copy of “${d.parentName}” (${what}) — without further corruption`;
}

export interface BenchmarkLine {
  key: 'clean' | 'mean' | 'mce' | 'relative-mce' | 'together';
  label: string;
  value: string;
  text: string;
}

/**
 * One line per headline number: its value and what it is measured against. When mCE and relative
 * mCE point in opposite directions a last line says why both are true.
 */
export function benchmarkLines(ev: Pick<EvaluationInfo, 'split' | 'cleanAccuracy'>, b: BenchmarkDetails, ctx: BenchmarkContext = {}): BenchmarkLine[] {
  const lines: BenchmarkLine[] = [
    {
      key: 'clean',
      label: 'Clean accuracy',
      value: pct(ev.cleanAccuracy, 1),
      text: `Accuracy on ${cleanReference(ev, ctx)}: the reference the corruptions are compared with.`,
    },
    {
      key: 'mean',
      label: 'Mean corruption accuracy',
      value: pct(b.meanCorruptionAccuracy, 1),
      text: `Accuracy after the benchmark adds each of its ${b.corruptions.length} ${b.corruptions.length === 1 ? 'corruption' : 'corruptions'} at severities ${severitiesText(b.severities)}, averaged.`,
    },
  ];
  const base = b.baseline?.name;
  if (b.mCE == null || !base) {
    lines.push({ key: 'mce', label: 'mCE', value: '—', text: 'mCE and relative mCE compare with a baseline model; this benchmark ran without one.' });
    return lines;
  }
  const cmp = (v: number, less: string, more: string) => (Math.abs(v - 1) < 0.0005 ? 'as many as' : v < 1 ? less : more);
  lines.push({
    key: 'mce',
    label: 'mCE',
    value: pct(b.mCE, 1),
    text: `All errors on corrupted images, as a share of the errors of the baseline “${base}”: this model makes ${cmp(b.mCE, 'fewer errors than', 'more errors than')} the baseline (100 % = the same).`,
  });
  if (b.relativeMCE == null) {
    lines.push({
      key: 'relative-mce',
      label: 'Relative mCE',
      value: '—',
      text: `Relative mCE compares the accuracy each model loses to the corruptions; not computed because the baseline “${base}” lost none.`,
    });
    return lines;
  }
  lines.push({
    key: 'relative-mce',
    label: 'Relative mCE',
    value: pct(b.relativeMCE, 1),
    text: `Only the accuracy lost to the corruptions (errors beyond each model’s clean errors), as a share of what the baseline “${base}” loses: this model loses ${cmp(b.relativeMCE, 'less than', 'more than')} the baseline (100 % = the same).`,
  });
  const better = b.mCE < 1 - 0.0005;
  const worse = b.mCE > 1 + 0.0005;
  const loseMore = b.relativeMCE > 1 + 0.0005;
  const loseLess = b.relativeMCE < 1 - 0.0005;
  if ((better && loseMore) || (worse && loseLess)) {
    const bc = b.baseline?.cleanAccuracy;
    const clean = `clean ${pct(ev.cleanAccuracy, 1)}${bc != null && Number.isFinite(bc) ? ` against the baseline’s ${pct(bc, 1)}` : ''}`;
    lines.push({
      key: 'together',
      label: 'Both at once',
      value: '',
      text: better
        ? `Both are true: this model starts higher (${clean}), so it still makes fewer errors under corruption, but the corruptions cost it more accuracy than they cost the baseline.`
        : `Both are true: this model starts lower (${clean}), so it makes more errors under corruption overall, but the corruptions cost it less accuracy than they cost the baseline.`,
    });
  }
  return lines;
}

/** The headline: what happened to accuracy, the worst corruption, and the comparison with the baseline. */
export function benchmarkSentence(ev: Pick<EvaluationInfo, 'count' | 'split' | 'cleanAccuracy'>, b: BenchmarkDetails, ctx: BenchmarkContext = {}): string {
  const rows = b.accuracy.map((r, i) => ({ title: b.titles[i] ?? b.corruptions[i]!, acc: mean(r) }));
  const worst = [...rows].sort((x, y) => x.acc - y.acc)[0];
  const images = `${ev.count.toLocaleString('en-US')} ${ev.split === 'train' ? 'training' : 'test'} images${ctx.datasetName ? ` of “${ctx.datasetName}”` : ''}`;
  const n = b.corruptions.length;
  const d = b.meanCorruptionAccuracy - ev.cleanAccuracy;
  const verb = Math.abs(d) < 0.0005 ? 'stays at' : d < 0 ? 'falls from' : 'rises from';
  const from = Math.abs(d) < 0.0005 ? pct(ev.cleanAccuracy, 1) : `${pct(ev.cleanAccuracy, 1)} (without added corruption) to ${pct(b.meanCorruptionAccuracy, 1)}`;
  let s = `On ${images}, accuracy ${verb} ${from} on average over ${n} ${n === 1 ? 'corruption' : 'corruptions'} at severities ${severitiesText(b.severities)}.`;
  if (worst && n > 1) s += ` ${worst.title} hurts most (${pct(worst.acc, 1)}).`;
  if (b.mCE !== null && b.baseline) {
    const mce = Math.abs(b.mCE - 1) < 0.0005 ? 'as many errors as' : b.mCE < 1 ? 'fewer errors than' : 'more errors than';
    s += ` Under corruption it makes ${mce} the baseline “${b.baseline.name}” (mCE ${pct(b.mCE, 1)})`;
    if (b.relativeMCE !== null) {
      const rel = Math.abs(b.relativeMCE - 1) < 0.0005 ? 'as much accuracy as' : b.relativeMCE < 1 ? 'less accuracy than' : 'more accuracy than';
      const joint = (b.mCE < 1) !== (b.relativeMCE < 1) && Math.abs(b.mCE - 1) >= 0.0005 && Math.abs(b.relativeMCE - 1) >= 0.0005 ? 'but' : 'and';
      s += ` ${joint} loses ${rel} the baseline to the corruptions (relative mCE ${pct(b.relativeMCE, 1)})`;
    }
    s += '.';
  }
  return s;
}

/** The context of a benchmark from its dataset's record (name, and parent and recipe when it is a corrupted copy). */
export function benchmarkContext(ds: Pick<DatasetInfo, 'name' | 'recipe'> | null | undefined): BenchmarkContext {
  if (!ds) return {};
  const r = ds.recipe;
  if (!isObj(r) || !Array.isArray(r.steps)) return { datasetName: ds.name, derivedFrom: null };
  const parent = isObj(r.parent) ? String(r.parent.name ?? r.parent.id ?? 'its parent') : 'its parent';
  const corruptions = r.steps.filter(isObj).map((s) => String(s.corruption ?? '?') + (typeof s.severity === 'number' ? ` ${s.severity}` : ''));
  return { datasetName: ds.name, derivedFrom: { parentName: parent, corruptions } };
}
