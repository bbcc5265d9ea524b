/**
 * Experiment history and run comparison: the requests (zod) and results (types) of the history
 * calls in the API table. The query language itself lives in core (src/core/history/query.ts).
 */
import { z } from 'zod';

const runIds = z.array(z.string().min(1)).min(1, 'Choose at least one run.').max(10000);

/** A page of the runs table: the query, the sort and the page window. */
export const QueryRunsRequestSchema = z.object({
  /** The query language, e.g. `method = "trades" and metrics.test/pgd_accuracy > 0.4`; empty = every run. */
  query: z.string().max(4000).default(''),
  /** `key`, `key:asc`, `key:desc` or `-key` (descending): a column, `metrics.<key>` or `params.<key>`. Default `created:desc`. */
  sort: z.string().max(300).default('created:desc'),
  limit: z.number().int().min(1).max(10000).default(200),
  offset: z.number().int().min(0).default(0),
  /** Archived runs are hidden unless this is set or the query names `archived`. */
  includeArchived: z.boolean().default(false),
});
export type QueryRunsRequest = z.input<typeof QueryRunsRequestSchema>;

/** One row of the runs table: the run, its latest metrics and its flattened params (as stored text). */
export interface RunSummary {
  id: string;
  name: string;
  kind: 'train' | 'eval' | 'corrupt' | string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Seconds between start and end, null while running or never started. */
  durationS: number | null;
  datasetId: string | null;
  datasetName: string | null;
  modelId: string | null;
  backend: string | null;
  tags: string[];
  note: string;
  starred: boolean;
  archived: boolean;
  metrics: Record<string, number>;
  params: Record<string, string>;
}

export interface QueryRunsResult {
  /** Runs matching the query (all pages). */
  total: number;
  runs: RunSummary[];
  /** Param and metric keys seen in the lab (for column and group-by pickers). */
  paramKeys: string[];
  metricKeys: string[];
}

export const GroupRunsRequestSchema = z.object({
  query: z.string().max(4000).default(''),
  /** The field to group by: a column (`kind`, `status`), `params.<key>` or a bare param name (`method`). */
  by: z.string().min(1).max(300),
  /** The metric whose best run each group reports (highest; lowest for keys with loss, error or mce); default `test/accuracy`. */
  metric: z.string().min(1).max(300).default('test/accuracy'),
  includeArchived: z.boolean().default(false),
});
export type GroupRunsRequest = z.input<typeof GroupRunsRequestSchema>;

export interface RunGroup {
  /** The field's value; null for runs without it. */
  value: string | null;
  count: number;
  best: { runId: string; name: string; value: number } | null;
}

export interface GroupRunsResult {
  by: string;
  metric: string;
  groups: RunGroup[];
}

/** Check a query without running it: the UI shows the sentence under the search box. */
export const CheckQueryRequestSchema = z.object({ query: z.string().max(4000) });
export interface CheckQueryResult {
  ok: boolean;
  position: number | null;
  message: string | null;
}

export const SetRunFlagsRequestSchema = z
  .object({
    runIds,
    starred: z.boolean().optional(),
    archived: z.boolean().optional(),
    /** Tags to add to / remove from every run listed. */
    addTags: z.array(z.string().trim().min(1).max(60)).max(50).optional(),
    removeTags: z.array(z.string().trim().min(1).max(60)).max(50).optional(),
  })
  .refine((r) => r.starred !== undefined || r.archived !== undefined || r.addTags?.length || r.removeTags?.length, {
    message: 'Say what to change: starred, archived, addTags or removeTags.',
  });
export type SetRunFlagsRequest = z.input<typeof SetRunFlagsRequestSchema>;

export const DeleteRunsRequestSchema = z.object({
  runIds,
  /** Remove at once (no undo) instead of hiding the runs until the undo window closes. */
  purge: z.boolean().default(false),
});
export type DeleteRunsRequest = z.input<typeof DeleteRunsRequestSchema>;

export interface KeptArtifact {
  kind: 'model' | 'dataset';
  id: string;
  name: string;
  /** One sentence: which run or evaluation still uses it. */
  reason: string;
}

export interface DeleteRunsResult {
  /** Runs hidden (or removed, with purge). */
  deleted: string[];
  purged: boolean;
  /** Models removed with their runs (nothing else used them). */
  removedModels: string[];
  /** What stays because something else still uses it, and why. */
  kept: KeptArtifact[];
}

export const RestoreRunsRequestSchema = z.object({ runIds });

export const CompareRequestSchema = z.object({
  runIds: z.array(z.string().min(1)).min(2, 'Choose at least 2 runs to compare.').max(50, 'Compare at most 50 runs at once.'),
  /** Metric keys whose curves to return; default every logged metric. */
  metrics: z.array(z.string().min(1)).max(50).optional(),
  /** Scatter axes: the clean and robust accuracy metric keys (default: detected). */
  cleanMetric: z.string().optional(),
  robustMetric: z.string().optional(),
  /** Effective robustness: the clean test dataset and the shifted one (ids or names); default: detected from evaluations. */
  inDistribution: z.string().optional(),
  shifted: z.string().optional(),
  /** Fit on logit-scaled accuracies (as in the effective-robustness literature) instead of raw ones. */
  logitFit: z.boolean().default(false),
  /** Reference run for the benchmark heatmap difference; default the first run. */
  reference: z.string().optional(),
});
export type CompareRequest = z.input<typeof CompareRequestSchema>;

export type ParamValue = string | number | boolean | null;

export interface ParamRow {
  key: string;
  /** One per run, in the order of `runs`; undefined (absent in JSON) where the run has no such key. */
  values: (ParamValue | undefined)[];
  /** Whether each run has the key (JSON turns a missing value into null; this keeps them apart). */
  present: boolean[];
  /** True when some run lacks the key or two values differ (by type and value: 1 ≠ "1"). */
  differs: boolean;
}

export interface CurveSeries {
  runId: string;
  key: string;
  points: { step: number; value: number; time: number }[];
}

export interface ScatterPoint {
  runId: string;
  clean: number;
  robust: number;
  onFront: boolean;
}

export interface EpsCurve {
  runId: string;
  evaluationId: string;
  attack: string;
  points: { eps: number; robustAccuracy: number }[];
}

export interface PerClassBars {
  runId: string;
  evaluationId: string;
  classes: { label: number; name: string; clean: number | null; robust: number | null }[];
}

export interface BenchmarkGrid {
  runId: string;
  evaluationId: string;
  severities: number[];
  corruptions: { name: string; accuracy: number[] }[];
  meanAccuracy: number | null;
}

export interface EffectiveRobustness {
  inDistribution: { id: string; name: string } | null;
  shifted: { id: string; name: string } | null;
  scale: 'linear' | 'logit';
  /** y = intercept + slope · x on the chosen scale; null with fewer than 2 runs having both numbers. */
  fit: { slope: number; intercept: number; r2: number } | null;
  points: { runId: string; x: number; y: number; predicted: number | null; effectiveRobustness: number | null }[];
  /** Why there is no fit, in one sentence. */
  note: string | null;
}

export interface CompareRun {
  id: string;
  name: string;
  kind: string;
  status: string;
  createdAt: string;
  modelId: string | null;
  datasetId: string | null;
  tags: string[];
}

export interface Comparison {
  runs: CompareRun[];
  params: ParamRow[];
  /** Latest value of each metric per run (null where missing), keys sorted. */
  metrics: { key: string; values: (number | null)[] }[];
  /** Every metric with a history in these runs (what `metrics` may ask for). */
  curveKeys: string[];
  /** The histories of the requested metrics (default: all). */
  curves: CurveSeries[];
  scatter: { cleanMetric: string; robustMetric: string; points: ScatterPoint[] };
  epsCurves: EpsCurve[];
  perClass: PerClassBars[];
  benchmarks: BenchmarkGrid[];
  referenceRunId: string;
  effectiveRobustness: EffectiveRobustness;
}

export const ExportComparisonRequestSchema = CompareRequestSchema.extend({ format: z.enum(['csv', 'html']) });
export type ExportComparisonRequest = z.input<typeof ExportComparisonRequestSchema>;

export const ExportRunsRequestSchema = z.object({
  runIds,
  /** Where to write the archive (CLI, Electron). Without it the archive comes back as base64 (web). */
  file: z.string().min(1).optional(),
  /** Include the datasets' image arrays too (default: only their metadata and recipes). */
  withData: z.boolean().default(false),
});
export type ExportRunsRequest = z.input<typeof ExportRunsRequestSchema>;

export interface ExportRunsResult {
  file: string | null;
  /** base64 of the archive when no file was given. */
  base64: string | null;
  filename: string;
  runs: number;
  models: number;
  datasets: number;
  bytes: number;
  sha256: string;
}

export const ImportRunsRequestSchema = z
  .object({
    file: z.string().min(1).optional(),
    base64: z.string().min(1).optional(),
  })
  .refine((r) => !!r.file !== !!r.base64, { message: 'Give the archive as a file path or as base64 content, one of the two.' });
export type ImportRunsRequest = z.input<typeof ImportRunsRequestSchema>;

export interface ImportRunsResult {
  /** Runs added now; runs already in the lab are skipped (importing twice adds nothing). */
  imported: string[];
  skipped: string[];
  models: number;
  datasets: number;
}

export const SaveViewRequestSchema = z.object({
  name: z.string().trim().min(1, 'Give the view a name.').max(120),
  page: z.enum(['runs', 'compare']),
  /** The route's query string, e.g. `q=tag%3Abaseline&sort=-metrics.test%2Faccuracy`. */
  route: z.string().max(20000),
});
export type SaveViewRequest = z.input<typeof SaveViewRequestSchema>;

export interface SavedView {
  name: string;
  page: 'runs' | 'compare';
  route: string;
  createdAt: string;
}

export const ViewNameSchema = z.object({ name: z.string().trim().min(1).max(120) });

export interface LineageNode {
  id: string;
  /**
   * `signature`: a weight signature extracted from a model; `patched_model`: a model saved as
   * target + Σ α·signature; `more`: the "+N more" stand-in where a list was capped.
   */
  kind: 'dataset' | 'run' | 'model' | 'evaluation' | 'signature' | 'patched_model' | 'more';
  label: string;
  /** The run page (runs), or null. */
  runId: string | null;
}

export interface LineageEdge {
  from: string;
  to: string;
  /** What the edge means when it is not plain "made from", e.g. `α 0.9` from a signature to a patched model. */
  label?: string;
}

export interface Lineage {
  nodes: LineageNode[];
  edges: LineageEdge[];
}
