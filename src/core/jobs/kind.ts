/**
 * One job kind (train, eval, corrupt, …): its submit-time rules (`check`) and its work (`run`).
 * The facade's submit and the worker's runner both go through the same entry, so a rule lives once.
 */
import type { JobSpec } from '../../shared/schemas';
import type { LabStore } from '../store/store';
import type { JobContext } from './context';

/** What `check` hands back: the complete spec to store (defaults filled) and what the run row records. */
export interface Submission<S extends JobSpec = JobSpec> {
  spec: S;
  /** The run's display name (the person's, or one generated from the spec and `runId`). */
  name: string;
  datasetId: string | null;
  modelId: string | null;
  /** Run params to record beyond the flattened spec (e.g. a resolved model id). */
  extraParams?: Record<string, unknown>;
}

export interface JobKind<S extends JobSpec = JobSpec> {
  kind: S['kind'];
  /** Submit-time rules; throws a LabError with one sentence. Never writes to the store. */
  check(store: LabStore, spec: S, runId: string): Submission<S>;
  /** The job itself, inside a worker, with the spec `check` returned. */
  run(ctx: JobContext, spec: S): Promise<unknown>;
}
