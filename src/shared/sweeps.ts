/**
 * Sweeps: a base job spec plus axes that address spec fields by path (`seed`, `optimizer.lr`,
 * `methodParams.eps`), expanded in core (src/core/sweeps/) into one group of runs. Requests,
 * records and the summary the UI and the CLI show.
 */
import { z } from 'zod';
import type { RunStatus } from './schemas';

const axisValue = z.union([z.number(), z.string(), z.boolean()]);
export type AxisValue = z.infer<typeof axisValue>;

const axisPath = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/, 'An axis path is field names joined by dots, like optimizer.lr or methodParams.eps.');

/**
 * One axis: explicit values, or a range. A range needs `count` in a grid (that many points from
 * min to max, both included) and is sampled (uniformly, or log-uniformly) in a random search.
 */
export const SweepAxisSchema = z.union([
  z.object({
    path: axisPath,
    values: z.array(axisValue).min(1, 'Give an axis at least one value.').max(1000),
  }),
  z.object({
    path: axisPath,
    range: z.object({
      min: z.number(),
      max: z.number(),
      scale: z.enum(['linear', 'log']).default('linear'),
      /** Grid only: how many points from min to max (both included). */
      count: z.number().int().min(1).max(1000).optional(),
      /** Round every value to a whole number. */
      integer: z.boolean().default(false),
    }),
  }),
]);
export type SweepAxis = z.infer<typeof SweepAxisSchema>;
export type SweepAxisInput = z.input<typeof SweepAxisSchema>;

export const SweepSpecSchema = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  /** The base job spec: the same JSON as a run's stored spec (`runs show RUN --json`'s `spec`). */
  base: z.record(z.string(), z.unknown()),
  /**
   * Axes as objects, or as text: `path=v1,v2,…`, `path=a..b` (whole numbers, both included),
   * `path=lin:lo..hi[:n]` or `path=log:lo..hi[:n]` (n points in a grid; sampled in a random search).
   */
  axes: z.array(z.union([z.string().trim().min(1), SweepAxisSchema])).min(1, 'A sweep needs at least one axis.').max(20),
  /** 'grid': every combination; 'random': `samples` draws, each axis drawn independently with `seed`. */
  mode: z.enum(['grid', 'random']).default('grid'),
  samples: z.number().int().min(1).max(1000).optional(),
  seed: z.number().int().min(0).default(0),
  /** Train sweeps only: evaluate each trained model with this eval spec (its `model` is filled in). */
  thenEval: z.record(z.string(), z.unknown()).optional(),
  /** How many members may run at once (default 1). */
  maxParallel: z.number().int().min(1, 'Run at least one member at a time.').max(64).default(1),
});
export type SweepSpec = z.infer<typeof SweepSpecSchema>;
export type SweepSpecInput = z.input<typeof SweepSpecSchema>;

export const SweepRefSchema = z.object({ sweepId: z.string().trim().min(1, 'Name the sweep.') });

export const SweepSummaryRequestSchema = z.object({
  sweepId: z.string().trim().min(1, 'Name the sweep.'),
  /** Rank members by this metric (a key of the members' latest metrics, e.g. test/accuracy or eval/robust_accuracy). */
  metric: z.string().trim().min(1).optional(),
  /** Whether the largest ('max') or smallest ('min') value is best; default: 'min' for losses and errors, else 'max'. */
  order: z.enum(['max', 'min']).optional(),
});

export const SweepControlRequestSchema = z.object({
  sweepId: z.string().trim().min(1, 'Name the sweep.'),
  action: z.enum(['pause', 'resume', 'cancel']),
});

export type SweepStatus = 'running' | 'paused' | 'finished' | 'cancelled';

/** What a sweep will do, before it starts. */
export interface SweepPlan {
  kind: string;
  mode: 'grid' | 'random';
  /** Members (one per combination or sample); chained evals are extra runs. */
  members: number;
  /** Runs in all, chained evaluations included. */
  runs: number;
  axes: { path: string; values: AxisValue[] | null; range: { min: number; max: number; scale: 'linear' | 'log'; integer: boolean } | null }[];
  /** The first members' values, for a preview. */
  preview: Record<string, AxisValue>[];
  /** Estimated seconds of the whole sweep (from earlier finished runs like these), or null. */
  estimateSeconds: number | null;
  /** How the estimate was made, in plain words. */
  estimateBasis: string;
  maxParallel: number;
}

export interface SweepMember {
  index: number;
  values: Record<string, AxisValue>;
  runId: string | null;
  status: RunStatus | 'pending';
  /** The chained evaluation's run, when the sweep has one. */
  evalRunId: string | null;
  evalStatus: RunStatus | 'pending' | null;
  /** The run's latest metrics, plus the chained eval's as `eval/<key>`. */
  metrics: Record<string, number>;
}

export interface SweepInfo {
  id: string;
  name: string;
  kind: string;
  status: SweepStatus;
  spec: SweepSpec;
  maxParallel: number;
  createdAt: string;
  endedAt: string | null;
  members: number;
  /** Members counted by state (chained evaluations count with their member). */
  counts: { pending: number; queued: number; running: number; finished: number; failed: number; cancelled: number; interrupted: number };
  /** Ended members over all members, 0–1. */
  progress: number;
}

export interface SweepDetail extends SweepInfo {
  rows: SweepMember[];
  /** Metric keys present in the members (for choosing what "best" means). */
  metricKeys: string[];
  metric: string | null;
  order: 'max' | 'min';
  /** The best member by `metric` (index), null when none has it. */
  best: number | null;
  /** Every run id of the sweep (members and chained evaluations), for Compare. */
  runIds: string[];
}
