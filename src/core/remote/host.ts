/**
 * The lab host's side of remote workers (BullMQ on Redis). When ROBUSTLAB_REDIS_URL is set the
 * facade queues jobs here instead of forking local workers: one BullMQ job per run (jobId = runId,
 * so a redelivered job never makes a second run). Workers report progress with
 * `job.updateProgress` (read here through QueueEvents) and fetch/upload files through the lab's
 * token-protected API (the `worker*` calls); this process alone writes the store.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { lazyModule } from '../engine/lazy-require';
import { LabError } from '../../shared/errors';
import { TERMINAL_STATUSES, type EvaluationInfo, type LabEvent, type RunStatus } from '../../shared/schemas';
import { checkpointPath } from '../training/checkpoint';
import { getStoredArchitectureRow } from '../store/architecture-store';
import { BACKEND_CHOICES } from '../engine/backend';
import { LOST_AFTER_MS, type WorkerInfo, type WorkersList } from '../../shared/remote';
import type { LabStore, ModelRecord } from '../store/store';
import type { JobQueue } from '../jobs/queue';

/** Kinds remote workers run; the others (corrupt, import, patching jobs) stay on the lab host. */
export const REMOTE_KINDS = ['train', 'eval'];

export const QUEUE_NAME = 'robustlab-jobs';

/** The queue of jobs pinned to workers of one backend (`ROBUSTLAB_PIN`). */
export const pinnedQueue = (backend: string) => `${QUEUE_NAME}-${backend}`;

/** The backend choice (as `--backend` takes it) of the engine a worker loaded. */
export function backendChoice(info: { name: string; package: string }): string {
  if (info.package === '@tensorflow/tfjs-node-gpu') return 'tensorflow-gpu';
  if (info.package === '@tensorflow/tfjs-node') return 'tensorflow';
  return info.name;
}

/**
 * `ROBUSTLAB_PIN=train:tensorflow-gpu,eval:wasm`: jobs of a kind go only to workers whose engine
 * is that backend (e.g. GPU boxes for training). Unpinned kinds go to every worker.
 */
export function parsePins(text: string | undefined): Map<string, string> {
  const pins = new Map<string, string>();
  for (const part of (text ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [kind, backend] = part.split(':').map((x) => x.trim());
    if (!kind || !backend || !REMOTE_KINDS.includes(kind) || !(BACKEND_CHOICES as readonly string[]).includes(backend)) {
      throw new LabError('bad_input', `ROBUSTLAB_PIN: "${part}" should be kind:backend with kind ${REMOTE_KINDS.join(' or ')} and backend ${BACKEND_CHOICES.join(', ')}.`);
    }
    pins.set(kind, backend);
  }
  return pins;
}
export const CANCEL_KEY = (runId: string) => `robustlab:cancel:${runId}`;
export const WORKERS_KEY = 'robustlab:workers';
/** Largest file a worker may upload (checkpoints, models): the server's JSON limit is 10 MB. */
export const MAX_UPLOAD_BYTES = 7 * 1024 * 1024;

export interface RemoteJobData {
  runId: string;
  kind: string;
  labVersion: string;
}

/** What a worker sends with `job.updateProgress`. */
export interface RemoteProgress {
  started?: { backend: string; device: string; worker: string };
  events?: LabEvent[];
}

export function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

// Only a web server with ROBUSTLAB_REDIS_URL needs them (≈80 ms and ≈270 modules at start).
const bullmq = lazyModule<typeof import('bullmq')>('bullmq');
const ioredis = lazyModule<typeof import('ioredis')>('ioredis');

/** The same public face as the embedded JobQueue, over BullMQ. */
export class RedisJobQueue {
  /** The shared queue first, then one per pinned backend. */
  private readonly queues = new Map<string, Queue>();
  private readonly events: QueueEvents[] = [];
  private readonly pins: Map<string, string>;
  /** For the cancel flags (BullMQ's own connections stay its own). */
  private readonly redis: Redis;
  private readonly waiters = new Map<string, ((status: string) => void)[]>();
  private readonly active = new Set<string>();
  private closed = false;

  constructor(
    private readonly opts: { store: LabStore; emit: (e: LabEvent) => void; url: string; labVersion: string; local: JobQueue },
  ) {
    const connection = { url: opts.url, maxRetriesPerRequest: null };
    this.pins = parsePins(process.env.ROBUSTLAB_PIN);
    for (const name of new Set([QUEUE_NAME, ...[...this.pins.values()].map(pinnedQueue)])) {
      const queue = new (bullmq().Queue)(name, { connection });
      const events = new (bullmq().QueueEvents)(name, { connection });
      events.on('progress', ({ jobId, data }) => this.onProgress(jobId, data as RemoteProgress));
      events.on('completed', ({ jobId }) => this.onEnded(jobId, null));
      events.on('failed', ({ jobId, failedReason }) => this.onEnded(jobId, failedReason));
      queue.on('error', () => {});
      events.on('error', () => {});
      this.queues.set(name, queue);
      this.events.push(events);
    }
    this.redis = new (ioredis().Redis)(opts.url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.redis.on('error', () => {});
  }

  /** Resolves once Redis answers (a wrong URL or password is one sentence). */
  async ready(): Promise<void> {
    try {
      await Promise.race([
        Promise.all([...this.queues.values()].map((q) => q.waitUntilReady())).then(() => Promise.all(this.events.map((e) => e.waitUntilReady()))),
        new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 10_000)),
      ]);
    } catch (err) {
      await this.close().catch(() => {});
      throw new LabError('internal', `Cannot reach Redis at ${redactUrl(this.opts.url)} (${(err as Error).message}); start redis-server or fix ROBUSTLAB_REDIS_URL.`);
    }
    await this.reclaim();
  }

  /**
   * After a restart of the lab host: runs whose BullMQ job is still waiting or running on a worker
   * belong to this process now, so crash recovery leaves them alone and their results are
   * recorded when the workers deliver them.
   */
  private async reclaim(): Promise<void> {
    const store = this.opts.store;
    for (const run of store.activeRuns()) {
      if (!REMOTE_KINDS.includes(run.kind)) continue;
      const job = await this.findJob(run.id);
      const state = job ? await job.getState() : 'unknown';
      if (!['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'].includes(state)) continue;
      store.db.prepare('UPDATE runs SET host_pid = ?, worker_pid = CASE WHEN worker_pid IS NULL THEN NULL ELSE ? END, heartbeat_at = ? WHERE id = ?').run(process.pid, process.pid, Date.now(), run.id);
      this.active.add(run.id);
    }
  }

  /**
   * Jobs that stay on the lab host: kinds remote workers do not run, and jobs whose network is a
   * lab-stored (layer-list) architecture, which a worker's throw-away lab does not have.
   */
  private isLocal(runId: string): boolean {
    try {
      const run = this.opts.store.getRun(runId);
      if (!REMOTE_KINDS.includes(run.kind)) return true;
      const spec = run.spec as unknown as Record<string, unknown>;
      const archs = [typeof spec.arch === 'string' ? spec.arch : null];
      for (const ref of [spec.model, spec.initModel, spec.baselineModel]) if (typeof ref === 'string' && ref) archs.push(this.opts.store.getModel(ref).arch);
      return archs.some((a) => a !== null && getStoredArchitectureRow(this.opts.store, a) !== null);
    } catch {
      return false;
    }
  }

  enqueue(runId: string): void {
    if (this.isLocal(runId)) return this.opts.local.enqueue(runId);
    const run = this.opts.store.getRun(runId);
    const data: RemoteJobData = { runId, kind: run.kind, labVersion: this.opts.labVersion };
    this.active.add(runId);
    const pin = this.pins.get(run.kind);
    void this.queues
      .get(pin ? pinnedQueue(pin) : QUEUE_NAME)!
      .add(run.kind, data, { jobId: runId, attempts: 3, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: 1000, removeOnFail: 1000 })
      .catch((err: Error) => {
        this.finish(runId, 'failed', `Could not queue the job in Redis: ${err.message}`);
      });
  }

  waitFor(runId: string): Promise<string> {
    if (this.isLocal(runId)) return this.opts.local.waitFor(runId);
    const run = this.opts.store.getRun(runId);
    if (TERMINAL_STATUSES.includes(run.status)) return Promise.resolve(run.status);
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? [];
      list.push(resolve);
      this.waiters.set(runId, list);
    });
  }

  cancel(runId: string): void {
    if (this.isLocal(runId)) return this.opts.local.cancel(runId);
    void (async () => {
      const job = await this.findJob(runId);
      const state = job ? await job.getState() : 'unknown';
      if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
        await job.remove().catch(() => {});
        this.finish(runId, 'cancelled', 'Cancelled before it started.');
        return;
      }
      // Running on a worker: it looks for this key between steps and stops.
      await this.redis.set(CANCEL_KEY(runId), '1', 'EX', 24 * 3600);
    })().catch(() => {});
  }

  private async findJob(runId: string) {
    for (const q of this.queues.values()) {
      const job = await q.getJob(runId);
      if (job) return job;
    }
    return undefined;
  }

  async workers(): Promise<WorkersList> {
    return { queue: 'bullmq', workers: await readWorkers(this.redis) };
  }

  get activeRunIds(): string[] {
    return [...this.active, ...this.opts.local.activeRunIds];
  }

  get pendingRunIds(): string[] {
    return this.opts.local.pendingRunIds;
  }

  /** Remote workers decide their own concurrency (`robustlab worker --concurrency`). */
  setMinConcurrency(n: number): void {
    this.opts.local.setMinConcurrency(n);
  }

  /** Queued jobs stay in Redis (workers keep running them); their results arrive at the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.opts.local.close();
    for (const e of this.events) await e.close().catch(() => {});
    for (const q of this.queues.values()) await q.close().catch(() => {});
    this.redis.disconnect();
  }

  private onProgress(runId: string, p: RemoteProgress): void {
    const store = this.opts.store;
    try {
      if (p.started) {
        if (store.markRunning(runId, { backend: p.started.backend, device: `${p.started.device} on worker ${p.started.worker}`, workerPid: process.pid })) {
          this.opts.emit({ type: 'run', runId, status: 'running' });
        } else {
          // Redelivered to another worker: the run row names the one that finishes it.
          store.db.prepare('UPDATE runs SET backend = ?, device = ?, heartbeat_at = ? WHERE id = ?').run(p.started.backend, `${p.started.device} on worker ${p.started.worker}`, Date.now(), runId);
        }
      }
      const metrics = (p.events ?? []).filter((e): e is Extract<LabEvent, { type: 'metric' }> => e.type === 'metric' && e.runId === runId);
      if (metrics.length) {
        // A redelivered job logs again from its checkpoint: rows of the lost attempt at those
        // steps go, so the history continues without duplicates.
        replaceMetrics(store, runId, metrics);
      }
      for (const e of p.events ?? []) if (e.type !== 'run') this.opts.emit(e);
      if (p.events?.length) store.heartbeat(runId);
    } catch {
      /* a run deleted meanwhile */
    }
  }

  private onEnded(runId: string, failedReason: string | null): void {
    if (failedReason !== null) {
      // Failed for good (attempts used up, or the worker refused it).
      this.finish(runId, 'failed', failedReason);
      return;
    }
    // The worker uploaded its result (workerResult) before completing the job.
    let status: RunStatus = 'failed';
    try {
      status = this.opts.store.getRun(runId).status;
    } catch {
      /* deleted */
    }
    if (!TERMINAL_STATUSES.includes(status)) this.finish(runId, 'interrupted', 'The worker finished the job without sending its result.');
    else this.settle(runId);
  }

  private finish(runId: string, status: Exclude<RunStatus, 'queued' | 'running'>, error: string): void {
    try {
      if (this.opts.store.endRun(runId, status, error)) this.opts.emit({ type: 'run', runId, status, error });
    } catch {
      /* deleted */
    }
    this.settle(runId);
  }

  settle(runId: string): void {
    this.active.delete(runId);
    let status = 'failed';
    try {
      status = this.opts.store.getRun(runId).status;
    } catch {
      /* deleted */
    }
    for (const w of this.waiters.get(runId) ?? []) w(status);
    this.waiters.delete(runId);
  }
}

/** The workers registered in Redis, a worker unseen for LOST_AFTER_MS marked lost. */
export async function readWorkers(client: Redis): Promise<WorkerInfo[]> {
  const raw = await client.hgetall(WORKERS_KEY);
  return Object.values(raw)
    .map((v) => JSON.parse(v) as WorkerInfo)
    .map((w) => (Date.now() - Date.parse(w.last_seen) > LOST_AFTER_MS ? { ...w, state: 'lost' as const } : w))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, '//***@');
}

// ------------------------------------------------------------------------------------------
// The worker calls (see src/shared/api.ts): what a job needs, and what it sends back.
// ------------------------------------------------------------------------------------------

function collectPaths(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) collectPaths(x, out);
  return out;
}

function insideLab(labDir: string, rel: string): string {
  const abs = path.resolve(labDir, rel);
  if (!abs.startsWith(path.resolve(labDir) + path.sep)) throw new LabError('bad_input', `"${rel}" is not a file of this lab.`);
  return abs;
}

/** A run's spec, dataset and model rows, the files they name (by sha256), and its checkpoint. */
export function workerBundle(store: LabStore, runId: string) {
  const run = store.getRun(runId);
  if (TERMINAL_STATUSES.includes(run.status)) throw new LabError('conflict', `Run "${run.name}" has already ended (${run.status}); nothing to run.`);
  if (run.kind !== 'train' && run.kind !== 'eval') throw new LabError('bad_input', `Remote workers run train and eval jobs; "${run.kind}" jobs run on the lab host.`);
  const files: { rel: string; sha256: string; size: number }[] = [];
  const add = (rel: string) => {
    const bytes = fs.readFileSync(insideLab(store.labDir, rel));
    files.push({ rel, sha256: sha256(bytes), size: bytes.byteLength });
  };
  const spec = run.spec as unknown as Record<string, unknown>;
  const ds = store.getDataset(String(spec.dataset));
  const datasetFiles = [...new Set(collectPaths(ds.files))].filter((p) => /\.npy$/.test(p));
  for (const rel of datasetFiles) add(rel.startsWith('datasets/') ? rel : path.join('datasets', ds.id, rel));
  const models: ModelRecord[] = [];
  for (const ref of [spec.model, spec.initModel, spec.baselineModel]) {
    if (typeof ref !== 'string' || !ref) continue;
    const m = store.getModel(ref);
    models.push(m);
    add(m.artifact);
  }
  const ck = run.kind === 'train' ? checkpointPath(store.labDir, run.id) : null;
  const checkpoint = ck && fs.existsSync(ck) ? fs.readFileSync(ck) : null;
  return {
    run: { id: run.id, kind: run.kind, name: run.name, spec: run.spec },
    dataset: ds,
    models,
    files,
    checkpoint: checkpoint ? { data: checkpoint.toString('base64'), sha256: sha256(checkpoint) } : null,
  };
}

export function workerFile(store: LabStore, rel: string): { rel: string; data: string; sha256: string } {
  const bytes = fs.readFileSync(insideLab(store.labDir, rel));
  return { rel, data: bytes.toString('base64'), sha256: sha256(bytes) };
}

function decode(data: string, expected: string, what: string): Buffer {
  const bytes = Buffer.from(data, 'base64');
  if (bytes.byteLength > MAX_UPLOAD_BYTES) throw new LabError('bad_input', `${what} is larger than ${MAX_UPLOAD_BYTES} bytes, the most a worker may upload.`);
  if (sha256(bytes) !== expected) throw new LabError('bad_input', `${what} arrived damaged (its sha256 does not match); the worker will send it again.`);
  return bytes;
}

/** An end-of-epoch checkpoint from a worker: kept so another worker can resume the run. */
export function workerCheckpoint(store: LabStore, req: { runId: string; data: string; sha256: string }): { runId: string; bytes: number } {
  const run = store.getRun(req.runId);
  if (run.kind !== 'train') throw new LabError('bad_input', `Run "${run.name}" is not a training run; only training runs have checkpoints.`);
  if (TERMINAL_STATUSES.includes(run.status)) throw new LabError('conflict', `Run "${run.name}" has already ended; its checkpoint is not needed.`);
  const bytes = decode(req.data, req.sha256, 'The checkpoint');
  const file = checkpointPath(store.labDir, run.id);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
  return { runId: run.id, bytes: bytes.byteLength };
}

export interface WorkerResult {
  runId: string;
  status: 'finished' | 'failed' | 'cancelled';
  error?: string | null;
  modelId?: string | null;
  models: { record: Omit<ModelRecord, 'artifact' | 'createdAt'>; data: string; sha256: string }[];
  evaluations: Omit<EvaluationInfo, 'id' | 'createdAt'>[];
  /** Every metric the job logged in this attempt (from its checkpoint on, when it resumed). */
  metrics?: { key: string; step: number; value: number | null; time: number }[];
}

/**
 * Writes metrics of one attempt: rows of the same key at or after the attempt's first step are
 * replaced (a redelivered job logs again from its checkpoint), so there are no duplicates.
 */
function replaceMetrics(store: LabStore, runId: string, metrics: { key: string; step: number; value: number | null; time: number }[]): void {
  const first = new Map<string, number>();
  for (const m of metrics) first.set(m.key, Math.min(first.get(m.key) ?? Infinity, m.step));
  store.transaction(() => {
    const del = store.db.prepare('DELETE FROM metrics WHERE run_id = ? AND key = ? AND step >= ?');
    for (const [key, step] of first) del.run(runId, key, step);
    store.logMetrics(runId, metrics.map((m) => ({ key: m.key, step: m.step, value: m.value ?? NaN, time: m.time })));
  });
}

/** A worker's final record: models (hash-checked), evaluations and the run's end, in one transaction. */
export function workerResult(store: LabStore, req: WorkerResult): { runId: string; status: string } {
  const run = store.getRun(req.runId);
  if (TERMINAL_STATUSES.includes(run.status)) return { runId: run.id, status: run.status };
  const blobs = req.models.map((m) => decode(m.data, m.sha256, `Model "${m.record.name}"`));
  const written = blobs.map((b) => store.writeArtifact(b, 'safetensors'));
  store.transaction(() => {
    req.models.forEach((m, i) => {
      const existing = store.db.prepare('SELECT id FROM models WHERE id = ?').get(m.record.id);
      if (!existing) store.insertModel({ ...m.record, runId: run.id, artifact: written[i]!.rel, sha256: written[i]!.sha256, sizeBytes: written[i]!.size });
    });
    for (const ev of req.evaluations) store.insertEvaluation({ ...ev, runId: run.id });
    if (req.metrics?.length) replaceMetrics(store, run.id, req.metrics);
    if (req.modelId) store.setRunModel(run.id, req.modelId);
    store.endRun(run.id, req.status, req.error ?? null);
  });
  return { runId: run.id, status: req.status };
}
