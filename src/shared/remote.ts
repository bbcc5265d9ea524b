/**
 * Remote workers (BullMQ on Redis): the calls a `robustlab worker` makes to the lab host for
 * files and results. Files travel as base64 with their sha256, checked on arrival.
 */
import { z } from 'zod';

const runId = z.string().trim().min(1, 'Name the run.');
const sha = z.string().regex(/^[0-9a-f]{64}$/, 'A sha256 is 64 hex digits.');

export const WorkerBundleRequestSchema = z.object({ runId });
export const WorkerFileRequestSchema = z.object({ rel: z.string().trim().min(1, 'Name the file.') });
export const WorkerCheckpointRequestSchema = z.object({ runId, data: z.string(), sha256: sha });
export const WorkerResultRequestSchema = z.object({
  runId,
  status: z.enum(['finished', 'failed', 'cancelled']),
  error: z.string().nullable().optional(),
  modelId: z.string().nullable().optional(),
  models: z.array(z.object({ record: z.record(z.string(), z.unknown()), data: z.string(), sha256: sha })).max(10),
  evaluations: z.array(z.record(z.string(), z.unknown())).max(100),
  metrics: z.array(z.object({ key: z.string().min(1).max(200), step: z.number().int(), value: z.number().or(z.null()), time: z.number() })).max(200_000).default([]),
});

/** A remote worker as it registered itself in the lab's Redis (`robustlab workers`, the Workers panel). */
export interface WorkerInfo {
  id: string;
  host: string;
  backend: string;
  device: string;
  threads: number;
  current_job: string | null;
  jobs_done: number;
  last_seen: string;
  state: 'idle' | 'busy' | 'lost';
}

/** A worker not seen for this long is shown as lost. */
export const LOST_AFTER_MS = 20_000;

export interface WorkersList {
  /** 'embedded': jobs run in forked processes on the lab host; 'bullmq': remote workers through Redis. */
  queue: 'embedded' | 'bullmq';
  workers: WorkerInfo[];
}
