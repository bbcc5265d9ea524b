/**
 * `robustlab worker`: a process on any machine that pulls jobs from the lab's BullMQ queue,
 * fetches what they need from the lab host's API (token, sha256-checked, cached by hash), runs
 * each in a child process (./child.ts), relays progress with `job.updateProgress`, uploads
 * checkpoints and the final record. It never opens the lab host's SQLite file.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Job } from 'bullmq';
import { lazyModule } from '../engine/lazy-require';

// Loaded when a worker starts, not by every command that bundles this file.
const bullmq = lazyModule<typeof import('bullmq')>('bullmq');
const ioredis = lazyModule<typeof import('ioredis')>('ioredis');
import { LabError } from '../../shared/errors';
import type { LabEvent } from '../../shared/schemas';
import { initEngine } from '../engine/backend';
import { CANCEL_KEY, QUEUE_NAME, WORKERS_KEY, backendChoice, pinnedQueue, sha256, type RemoteJobData, type RemoteProgress, type WorkerResult } from './host';
import type { ChildMessage, ChildStart } from './child';
import type { WorkerInfo } from '../../shared/remote';

const require = createRequire(import.meta.url);

export interface WorkerOptions {
  redis: string;
  lab: string;
  token: string;
  labVersion: string;
  concurrency: number;
  backend?: string;
  cacheDir: string;
  log: (line: string) => void;
}

export { LOST_AFTER_MS, type WorkerInfo } from '../../shared/remote';

type Api = <T>(method: string, input: unknown) => Promise<T>;

function makeApi(lab: string, token: string): Api {
  const base = lab.replace(/\/+$/, '');
  return async <T>(method: string, input: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-robustlab-token': token },
        body: JSON.stringify(input ?? {}),
      });
    } catch (err) {
      throw new LabError('internal', `Cannot reach the lab host at ${base} (${(err as Error).message}).`);
    }
    if (res.status === 401 || res.status === 403) {
      throw new LabError('bad_input', `The lab host at ${base} refused this worker's token; use the token that \`robustlab web --json\` printed.`);
    }
    const env = (await res.json().catch(() => null)) as { ok: boolean; result?: T; error?: { code: string; message: string } } | null;
    if (!env) throw new LabError('internal', `The lab host at ${base} sent an answer this worker cannot read (HTTP ${res.status}).`);
    if (!env.ok) throw new LabError((env.error?.code as never) ?? 'internal', env.error?.message ?? 'The lab host refused the call.');
    return env.result as T;
  };
}

function childEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(require.resolve('tsx/esm')).href;
    return { file: here.replace(/worker\.ts$/, 'child.ts'), execArgv: ['--import', tsx] };
  }
  return { file: path.join(path.dirname(here), 'remote-child.js'), execArgv: [] };
}

export async function runRemoteWorker(o: WorkerOptions): Promise<{ close: () => Promise<void> }> {
  const api = makeApi(o.lab, o.token);
  const status = await api<{ version: string }>('status', {});
  if (status.version !== o.labVersion) {
    throw new LabError('bad_input', `The lab host runs Robustness Lab ${status.version} and this worker ${o.labVersion}; install the same version on both.`);
  }
  const engine = await initEngine({ force: o.backend });
  const id = `${os.hostname()}-${process.pid}`;
  const filesDir = path.join(o.cacheDir, 'files');
  fs.mkdirSync(filesDir, { recursive: true });
  let current: string | null = null;
  let done = 0;
  // Warm job processes: a child whose job finished waits for the next one (at most one per
  // concurrency slot), so a job pays no process start and engine set-up after the first. A child
  // that failed, was cancelled or crashed is not reused. ROBUSTLAB_WORKER_POOL=0 turns this off.
  const warm = process.env.ROBUSTLAB_WORKER_POOL !== '0';
  const idle: ChildProcess[] = [];
  const takeChild = (): ChildProcess => {
    for (let c = idle.pop(); c; c = idle.pop()) if (c.connected && c.exitCode === null && c.signalCode === null) return c;
    const { file, execArgv } = childEntry();
    return fork(file, [], { execArgv: [...execArgv, '--no-warnings'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ROBUSTLAB_WORKER: '1' } });
  };

  // The shared queue, and the one of jobs pinned to this worker's backend (ROBUSTLAB_PIN on the host).
  const bullWorkers = [QUEUE_NAME, pinnedQueue(backendChoice(engine))].map((name) => {
    const w = new (bullmq().Worker)<RemoteJobData>(name, (job) => processJob(job), {
      connection: { url: o.redis, maxRetriesPerRequest: null },
      concurrency: o.concurrency,
      // A killed worker's job goes back to the queue after its lock lapses (the stalled check).
      lockDuration: Number(process.env.ROBUSTLAB_WORKER_LOCK_MS) || 30_000,
      stalledInterval: Number(process.env.ROBUSTLAB_WORKER_STALLED_MS) || 15_000,
      maxStalledCount: 3,
    });
    w.on('error', (err) => o.log(`worker: ${err.message}`));
    return w;
  });
  await Promise.all(bullWorkers.map((w) => w.waitUntilReady()));
  const client = new (ioredis().Redis)(o.redis, { maxRetriesPerRequest: null });
  client.on('error', () => {});

  const beat = async () => {
    const info: WorkerInfo = {
      id,
      host: os.hostname(),
      backend: engine.name,
      device: engine.device,
      threads: Number(process.env.ROBUSTLAB_THREADS) || Math.min(os.cpus().length, 8),
      current_job: current,
      jobs_done: done,
      last_seen: new Date().toISOString(),
      state: current ? 'busy' : 'idle',
    };
    await client.hset(WORKERS_KEY, id, JSON.stringify(info));
  };
  await beat();
  const beatTimer = setInterval(() => void beat().catch(() => {}), 3000);
  o.log(`worker ${id}: ${engine.name} (${engine.device}), pulling jobs from ${o.redis.replace(/\/\/([^@/]*)@/, '//***@')} for ${o.lab}`);

  async function fetchFile(f: { rel: string; sha256: string }, jobLab: string): Promise<void> {
    const cached = path.join(filesDir, f.sha256);
    if (!fs.existsSync(cached)) {
      const got = await api<{ data: string; sha256: string }>('workerFile', { rel: f.rel });
      const bytes = Buffer.from(got.data, 'base64');
      if (sha256(bytes) !== f.sha256) throw new LabError('internal', `File ${f.rel} arrived damaged (sha256 mismatch); the job will be retried.`);
      const tmp = `${cached}.tmp-${process.pid}`;
      fs.writeFileSync(tmp, bytes);
      fs.renameSync(tmp, cached);
    }
    const dest = path.join(jobLab, f.rel);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(cached, dest);
  }

  async function processJob(job: Job<RemoteJobData>): Promise<{ status: string }> {
    const { runId, labVersion } = job.data;
    if (labVersion !== o.labVersion) throw new (bullmq().UnrecoverableError)(`This job comes from Robustness Lab ${labVersion}; this worker runs ${o.labVersion}.`);
    let bundle: Omit<ChildStart, 'type' | 'jobLab' | 'backend' | 'checkpoint'> & { files: { rel: string; sha256: string }[]; checkpoint: { data: string; sha256: string } | null };
    try {
      bundle = await api('workerBundle', { runId });
    } catch (err) {
      if ((err as LabError).code === 'conflict') return { status: 'skipped' };
      throw err;
    }
    current = runId;
    void beat().catch(() => {});
    const jobLab = fs.mkdtempSync(path.join(o.cacheDir, `job-${runId}-`));
    let child: ChildProcess | null = null;
    try {
      for (const f of bundle.files) await fetchFile(f, jobLab);
      child = takeChild();
      const proc = child;
      let pending: LabEvent[] = [];
      const flush = async () => {
        if (!pending.length) return;
        const events = pending;
        pending = [];
        await job.updateProgress({ events } satisfies RemoteProgress);
      };
      const flushTimer = setInterval(() => void flush().catch(() => {}), 400);
      const cancelTimer = setInterval(() => {
        void client.get(CANCEL_KEY(runId)).then((v: string | null) => v && proc.connected && proc.send({ type: 'cancel' }), () => {});
      }, 1000);
      let uploads = Promise.resolve();
      const result = await new Promise<WorkerResult | null>((resolve) => {
        let res: WorkerResult | null = null;
        const finish = () => {
          proc.off('message', onMessage);
          proc.off('exit', finish);
          resolve(res);
        };
        const onMessage = (m: ChildMessage) => {
          if (m.type === 'started') {
            void job.updateProgress({ started: { backend: m.backend, device: m.device, worker: id } } satisfies RemoteProgress).catch(() => {});
            if (m.resumedFrom) o.log(`worker ${id}: resuming ${runId} from the lab host's last checkpoint`);
          } else if (m.type === 'event') pending.push(m.event);
          else if (m.type === 'checkpoint') {
            uploads = uploads.then(() => api('workerCheckpoint', { runId, data: m.data, sha256: m.sha256 }).then(() => undefined, (e: Error) => o.log(`checkpoint upload: ${e.message}`)));
          } else if (m.type === 'done') {
            res = m.result;
            // A warm child stays: the job ends with its result, not with the process.
            if (warm) finish();
          }
        };
        proc.on('message', onMessage);
        proc.on('exit', finish);
        proc.send({ type: 'start', keep: warm, jobLab, backend: o.backend, run: bundle.run, dataset: bundle.dataset, models: bundle.models, checkpoint: bundle.checkpoint?.data ?? null } satisfies ChildStart);
      });
      clearInterval(flushTimer);
      clearInterval(cancelTimer);
      await flush();
      await uploads;
      if (!result) throw new Error('The job process stopped before it finished; the job will be retried.');
      if (warm && result.status === 'finished' && proc.connected && idle.length < o.concurrency) idle.push(proc);
      // The lab host may be restarting: keep the result (and the job's lock) until it is back.
      for (let waited = 0; ; waited += 2000) {
        try {
          await api('workerResult', result);
          break;
        } catch (err) {
          if (!/^Cannot reach the lab host/.test((err as Error).message) || waited > 10 * 60_000) throw err;
          if (waited === 0) o.log(`worker ${id}: the lab host is not answering; keeping the result of ${runId} until it is back`);
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
      done++;
      return { status: result.status };
    } finally {
      // A child that is not waiting for the next job (failed, cancelled, or an upload failed) goes.
      if (child && !idle.includes(child) && child.exitCode === null && child.signalCode === null) child.kill();
      current = null;
      void beat().catch(() => {});
      fs.rmSync(jobLab, { recursive: true, force: true });
    }
  }

  return {
    close: async () => {
      clearInterval(beatTimer);
      for (const w of bullWorkers) await w.close();
      for (const c of idle.splice(0)) c.kill();
      client.disconnect();
    },
  };
}
