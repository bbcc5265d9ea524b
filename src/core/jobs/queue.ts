/**
 * The host-side job queue: FIFO, one worker process per job, cancel, and recovery of runs whose
 * worker died. Lives in the process that owns the Lab facade (Electron main, web server, CLI).
 */
import { TERMINAL_STATUSES, type LabEvent } from '../../shared/schemas';
import type { LabStore } from '../store/store';
import type { SpawnWorker, WorkerHandle } from './protocol';

interface Active {
  runId: string;
  worker: WorkerHandle;
  cancelRequested: boolean;
  killTimer?: NodeJS.Timeout;
}

export interface QueueOptions {
  store: LabStore;
  spawnWorker: SpawnWorker;
  emit: (e: LabEvent) => void;
  concurrency?: number;
  backend?: string;
  /** How long a worker may take to stop after a cancel before it is killed. */
  cancelGraceMs?: number;
}

/** Whether a process with this pid exists (signal 0 checks without sending). */
export function pidAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A worker writes its heartbeat every ~2 s while it trains; this long without one means it is gone. */
const STALE_HEARTBEAT_MS = 120_000;

/**
 * Marks runs that claim to be active but whose process is gone as interrupted. Metrics logged
 * before the crash stay. Returns the ids it changed.
 */
export function recoverInterruptedRuns(store: LabStore): string[] {
  const changed: string[] = [];
  for (const run of store.activeRuns()) {
    if (run.status === 'running') {
      const stale = run.heartbeatAt != null && Date.now() - run.heartbeatAt > STALE_HEARTBEAT_MS;
      // A worker whose host died is an orphan: it leaves at its next step (on 'disconnect'),
      // and nobody is left to receive its results.
      const orphan = run.hostPid !== process.pid && !pidAlive(run.hostPid);
      if (!pidAlive(run.workerPid) || stale || orphan) {
        if (store.endRun(run.id, 'interrupted', 'The process running this job stopped before it finished (crash, kill or power loss); metrics logged until then are kept.'))
          changed.push(run.id);
      }
    } else if (run.status === 'queued' && run.hostPid !== process.pid && !pidAlive(run.hostPid)) {
      if (store.endRun(run.id, 'interrupted', 'The lab closed before this queued job started; repeat it from its run page.'))
        changed.push(run.id);
    }
  }
  return changed;
}

export class JobQueue {
  private readonly pending: string[] = [];
  private readonly active = new Map<string, Active>();
  private readonly waiters = new Map<string, ((status: string) => void)[]>();
  private closed = false;
  /** Raised by running sweeps to their max-parallel (see src/core/sweeps/scheduler.ts). */
  private minConcurrency = 0;

  constructor(private readonly opts: QueueOptions) {}

  /** Run at least `n` jobs at once (0: the configured concurrency again). */
  setMinConcurrency(n: number): void {
    this.minConcurrency = n;
    this.pump();
  }

  enqueue(runId: string): void {
    this.pending.push(runId);
    this.pump();
  }

  /** Resolves with the terminal status once the run has ended. */
  waitFor(runId: string): Promise<string> {
    const run = this.opts.store.getRun(runId);
    if (TERMINAL_STATUSES.includes(run.status)) return Promise.resolve(run.status);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  cancel(runId: string): void {
    const idx = this.pending.indexOf(runId);
    if (idx >= 0) {
      this.pending.splice(idx, 1);
      if (this.opts.store.endRun(runId, 'cancelled', 'Cancelled before it started.')) {
        this.opts.emit({ type: 'run', runId, status: 'cancelled', error: 'Cancelled before it started.' });
      }
      this.settle(runId);
      return;
    }
    const a = this.active.get(runId);
    if (a) {
      a.cancelRequested = true;
      a.worker.send({ type: 'cancel' });
      a.killTimer = setTimeout(() => a.worker.kill(), this.opts.cancelGraceMs ?? 15_000);
      return;
    }
    // Not ours (another process's queue, or already over): end it in the store if it is still queued.
    const run = this.opts.store.getRun(runId);
    if (run.status === 'queued' && !pidAlive(run.hostPid)) {
      this.opts.store.endRun(runId, 'cancelled', 'Cancelled before it started.');
      this.opts.emit({ type: 'run', runId, status: 'cancelled' });
    }
  }

  get activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  get pendingRunIds(): string[] {
    return [...this.pending];
  }

  /** Stops every worker; their runs become interrupted, queued ones too. */
  async close(): Promise<void> {
    this.closed = true;
    for (const runId of this.pending.splice(0)) {
      this.opts.store.endRun(runId, 'interrupted', 'The lab closed before this queued job started; repeat it from its run page.');
      this.settle(runId);
    }
    const exits = [...this.active.values()].map(
      (a) =>
        new Promise<void>((resolve) => {
          a.worker.onExit(() => resolve());
          a.worker.kill();
        }),
    );
    await Promise.all(exits);
  }

  private pump(): void {
    const limit = Math.max(this.opts.concurrency ?? 1, this.minConcurrency);
    while (!this.closed && this.active.size < limit && this.pending.length) {
      const runId = this.pending.shift()!;
      this.start(runId);
    }
  }

  private start(runId: string): void {
    const worker = this.opts.spawnWorker();
    const a: Active = { runId, worker, cancelRequested: false };
    this.active.set(runId, a);
    worker.onMessage((msg) => {
      if (msg.type === 'ready') {
        worker.send({ type: 'start', runId, labDir: this.opts.store.labDir, backend: this.opts.backend });
      } else if (msg.type === 'event') {
        this.opts.emit(msg.event);
      }
    });
    worker.onExit((code) => {
      if (a.killTimer) clearTimeout(a.killTimer);
      this.active.delete(runId);
      // The worker writes the final status itself; if it did not, it died.
      const run = this.opts.store.getRun(runId);
      if (!TERMINAL_STATUSES.includes(run.status)) {
        const status = a.cancelRequested ? 'cancelled' : 'interrupted';
        const error = a.cancelRequested
          ? 'Cancelled by the user (the worker was stopped).'
          : `The worker process stopped unexpectedly (exit code ${code ?? 'signal'}); metrics logged until then are kept.`;
        if (this.opts.store.endRun(runId, status, error)) this.opts.emit({ type: 'run', runId, status, error });
      }
      this.settle(runId);
      this.pump();
    });
  }

  private settle(runId: string): void {
    const status = this.opts.store.getRun(runId).status;
    for (const w of this.waiters.get(runId) ?? []) w(status);
    this.waiters.delete(runId);
  }
}
