/**
 * Messages between the host process (Electron main, web server or CLI, which owns the queue)
 * and a job worker (utilityProcess in Electron, a forked Node child elsewhere).
 */
import type { LabEvent, RunStatus } from '../../shared/schemas';

export type HostToWorker =
  /** `reuse`: the host keeps the worker for later jobs (warm pool, #12) when it says it can. */
  | { type: 'start'; runId: string; labDir: string; backend?: string; reuse?: boolean }
  | { type: 'cancel' };

export type WorkerToHost =
  | { type: 'ready' }
  | { type: 'event'; event: LabEvent }
  /**
   * `reusable`: the worker stays and waits for the next 'start' (it only says so when asked to
   * with `reuse`); `rss`: its resident memory in bytes after the job, for the pool's recycling.
   */
  | { type: 'done'; status: Extract<RunStatus, 'finished' | 'failed' | 'cancelled'>; error?: string; reusable?: boolean; rss?: number };

/** A running worker, whatever process type hosts it. */
export interface WorkerHandle {
  readonly pid: number | undefined;
  send(msg: HostToWorker): void;
  onMessage(cb: (msg: WorkerToHost) => void): void;
  onExit(cb: (code: number | null) => void): void;
  kill(): void;
  /** Optional: an idle pooled worker must not keep the host process alive (Node children). */
  setIdle?(idle: boolean): void;
}

export type SpawnWorker = () => WorkerHandle;
