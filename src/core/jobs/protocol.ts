/**
 * Messages between the host process (Electron main, web server or CLI, which owns the queue)
 * and a job worker (utilityProcess in Electron, a forked Node child elsewhere).
 */
import type { LabEvent, RunStatus } from '../../shared/schemas';

export type HostToWorker =
  | { type: 'start'; runId: string; labDir: string; backend?: string }
  | { type: 'cancel' };

export type WorkerToHost =
  | { type: 'ready' }
  | { type: 'event'; event: LabEvent }
  | { type: 'done'; status: Extract<RunStatus, 'finished' | 'failed' | 'cancelled'>; error?: string };

/** A running worker, whatever process type hosts it. */
export interface WorkerHandle {
  readonly pid: number | undefined;
  send(msg: HostToWorker): void;
  onMessage(cb: (msg: WorkerToHost) => void): void;
  onExit(cb: (code: number | null) => void): void;
  kill(): void;
}

export type SpawnWorker = () => WorkerHandle;
