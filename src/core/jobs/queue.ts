/**
 * The host-side job queue: FIFO, a warm pool of worker processes, cancel, and recovery of runs
 * whose worker died. Lives in the process that owns the Lab facade (Electron main, web server, CLI).
 *
 * Warm pool (#12): a worker that finished a job successfully stays (idle, up to the concurrency in
 * number) and runs the next one, so the engine starts once, not per job. A worker is recycled
 * (left to exit, or killed) after a failed or cancelled job, after a cancel-kill or a crash, after
 * `maxJobsPerWorker` jobs, or once its memory grew by `maxGrowthMB` since its first job. Each job
 * still opens its own store connection and seeds its own random streams, so a reused worker gives
 * the same results as a fresh one (test/integration/worker-pool.test.ts).
 */
import { TERMINAL_STATUSES, type LabEvent } from '../../shared/schemas';
import type { LabStore } from '../store/store';
import type { SpawnWorker, WorkerHandle, WorkerToHost } from './protocol';

/** One worker process and what it is doing. */
interface Slot {
  worker: WorkerHandle;
  /** The run it is working on; null while idle in the pool. */
  runId: string | null;
  /** It said 'ready' (a fresh worker gets its first 'start' then). */
  ready: boolean;
  jobs: number;
  /** Resident memory after its first job, the base of the growth rule. */
  baseRss?: number;
}

interface Active {
  runId: string;
  worker: WorkerHandle;
  slot: Slot;
  cancelRequested: boolean;
  killTimer?: NodeJS.Timeout;
}

const DEFAULT_MAX_JOBS_PER_WORKER = 50;
const DEFAULT_MAX_GROWTH_MB = 512;

export interface QueueOptions {
  store: LabStore;
  spawnWorker: SpawnWorker;
  emit: (e: LabEvent) => void;
  concurrency?: number;
  backend?: string;
  /** How long a worker may take to stop after a cancel before it is killed. */
  cancelGraceMs?: number;
  /** Keep workers warm between jobs (default true; ROBUSTLAB_WORKER_POOL=0 turns it off). */
  pool?: boolean;
  /** A pooled worker is recycled after this many jobs (default 50)... */
  maxJobsPerWorker?: number;
  /** ...or once its resident memory grew this much since its first job (default 512 MB). */
  maxGrowthMB?: number;
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
  /** Warm workers waiting for a job. */
  private readonly idle: Slot[] = [];
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

  /** Pids of the warm workers waiting for a job (for tests and the bench). */
  get idleWorkerPids(): (number | undefined)[] {
    return this.idle.map((s) => s.worker.pid);
  }

  /** Stops every worker; their runs become interrupted, queued ones too. */
  async close(): Promise<void> {
    this.closed = true;
    for (const runId of this.pending.splice(0)) {
      this.opts.store.endRun(runId, 'interrupted', 'The lab closed before this queued job started; repeat it from its run page.');
      this.settle(runId);
    }
    const exits = [...[...this.active.values()].map((a) => a.worker), ...this.idle.splice(0).map((s) => s.worker)].map(
      (worker) =>
        new Promise<void>((resolve) => {
          // Referenced again, so the host waits for the exit it is told about.
          worker.setIdle?.(false);
          worker.onExit(() => resolve());
          worker.kill();
        }),
    );
    await Promise.all(exits);
  }

  private get limit(): number {
    return Math.max(this.opts.concurrency ?? 1, this.minConcurrency);
  }

  private get pooling(): boolean {
    return (this.opts.pool ?? true) && process.env.ROBUSTLAB_WORKER_POOL !== '0';
  }

  private pump(): void {
    while (!this.closed && this.active.size < this.limit && this.pending.length) {
      const runId = this.pending.shift()!;
      this.start(runId);
    }
  }

  private start(runId: string): void {
    const slot = (this.pooling ? this.idle.pop() : undefined) ?? this.spawn();
    slot.runId = runId;
    slot.worker.setIdle?.(false);
    this.active.set(runId, { runId, worker: slot.worker, slot, cancelRequested: false });
    // A fresh worker gets its job when it says 'ready'; a warm one at once.
    if (slot.ready) this.sendStart(slot, runId);
  }

  private sendStart(slot: Slot, runId: string): void {
    slot.worker.send({ type: 'start', runId, labDir: this.opts.store.labDir, backend: this.opts.backend, reuse: this.pooling });
  }

  private spawn(): Slot {
    const worker = this.opts.spawnWorker();
    const slot: Slot = { worker, runId: null, ready: false, jobs: 0 };
    worker.onMessage((msg) => {
      if (msg.type === 'ready') {
        slot.ready = true;
        if (slot.runId) this.sendStart(slot, slot.runId);
      } else if (msg.type === 'event') {
        this.opts.emit(msg.event);
      } else if (msg.type === 'done') {
        this.jobDone(slot, msg);
      }
    });
    worker.onExit((code) => this.workerExited(slot, code));
    return slot;
  }

  /** A job ended inside its worker: keep the worker warm, or let it go. */
  private jobDone(slot: Slot, msg: Extract<WorkerToHost, { type: 'done' }>): void {
    const runId = slot.runId;
    const a = runId ? this.active.get(runId) : undefined;
    if (!runId || !a) return;
    slot.jobs++;
    if (msg.rss) slot.baseRss ??= msg.rss;
    const grownMB = msg.rss && slot.baseRss ? (msg.rss - slot.baseRss) / 2 ** 20 : 0;
    const keep =
      msg.reusable &&
      this.pooling &&
      !this.closed &&
      !a.cancelRequested &&
      slot.jobs < (this.opts.maxJobsPerWorker ?? DEFAULT_MAX_JOBS_PER_WORKER) &&
      grownMB < (this.opts.maxGrowthMB ?? DEFAULT_MAX_GROWTH_MB) &&
      this.idle.length < this.limit;
    if (!keep) {
      // A worker that did not offer to stay leaves by itself; one that did is stopped. Its exit ends the job here.
      if (msg.reusable) slot.worker.kill();
      return;
    }
    if (a.killTimer) clearTimeout(a.killTimer);
    this.active.delete(runId);
    slot.runId = null;
    this.idle.push(slot);
    slot.worker.setIdle?.(true);
    this.settle(runId);
    this.pump();
  }

  private workerExited(slot: Slot, code: number | null): void {
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    const runId = slot.runId;
    slot.runId = null;
    const a = runId ? this.active.get(runId) : undefined;
    if (!runId || !a) return;
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
  }

  private settle(runId: string): void {
    const status = this.opts.store.getRun(runId).status;
    for (const w of this.waiters.get(runId) ?? []) w(status);
    this.waiters.delete(runId);
  }
}
