/**
 * Sweeps and remote workers: per-job scheduling overhead of the embedded queue (a forked worker
 * per job) and of BullMQ (a `robustlab worker` pulling from a local redis-server, a child per
 * job, files through the host's API), measured on near-empty jobs (one training step on one
 * image); then a sweep of 8 tiny trainings on 1 and on 2 single-thread workers, and the speed-up.
 * Part of `npm run bench` (BENCH_SWEEPS=0 skips it); on its own:
 *
 *   npx tsx bench/sweeps.ts [--json]
 *
 * Needs /usr/bin/redis-server (Debian's redis-server); without it the BullMQ figures are null
 * with the reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'robustlab.mjs');
const REDIS = '/usr/bin/redis-server';

export interface SweepBench {
  empty_jobs: number;
  embedded_ms_per_job: number;
  bullmq_ms_per_job: number | null;
  sweep_members: number;
  sweep_1_worker_s: number | null;
  sweep_2_workers_s: number | null;
  speedup: number | null;
  /** 1-minute load average before and after: other programs on the cores change these figures. */
  load_average: [number, number];
  note: string;
}

const tinyTrain = (over: Record<string, unknown> = {}) => ({
  kind: 'train',
  dataset: 'mnist-digits',
  arch: 'mlp',
  epochs: 1,
  batchSize: 50,
  optimizer: { name: 'sgd', lr: 0.1 },
  limit: 3000,
  testLimit: 200,
  ...over,
});
const emptyJob = tinyTrain({ batchSize: 1, limit: 1, testLimit: 1 });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on port ${port}`);
}

export async function benchSweeps(opts: { log?: (line: string) => void; jobs?: number; members?: number } = {}): Promise<SweepBench> {
  const log = opts.log ?? (() => {});
  const jobs = opts.jobs ?? 4;
  const members = opts.members ?? 8;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-bench-sweeps-'));
  const procs: ChildProcess[] = [];
  const threads = process.env.ROBUSTLAB_THREADS;
  const restore: (() => unknown)[] = [];
  const { Lab } = await import('../src/core/service');
  const load0 = Number(os.loadavg()[0]!.toFixed(2));
  const load = (): [number, number] => [load0, Number(os.loadavg()[0]!.toFixed(2))];
  try {
    // Embedded: the same near-empty job, one after the other, each in a forked worker.
    process.env.ROBUSTLAB_THREADS = '1';
    restore.push(() => (threads === undefined ? delete process.env.ROBUSTLAB_THREADS : (process.env.ROBUSTLAB_THREADS = threads)));
    const local = await Lab.open({ labDir: path.join(dir, 'embedded'), mode: 'cli', backend: 'wasm' });
    let t = performance.now();
    const s1 = await local.call('submitSweep', { base: emptyJob, axes: [`seed=0..${jobs - 1}`] });
    await local.waitForSweep(s1.id);
    const embedded = (performance.now() - t) / jobs;
    await local.close();
    log(`sweeps: embedded queue ${embedded.toFixed(0)} ms per near-empty job`);

    if (!fs.existsSync(REDIS)) {
      return { empty_jobs: jobs, embedded_ms_per_job: Math.round(embedded), bullmq_ms_per_job: null, sweep_members: members, sweep_1_worker_s: null, sweep_2_workers_s: null, speedup: null, load_average: load(), note: `${REDIS} is not installed (apt-get install redis-server), so BullMQ was not measured.` };
    }
    const port = await freePort();
    const redis = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    procs.push(redis);
    await waitPort(port);
    const url = `redis://127.0.0.1:${port}`;
    process.env.ROBUSTLAB_REDIS_URL = url;
    const { startServer } = await import('../src/server/server');
    const lab = await Lab.open({ labDir: path.join(dir, 'host'), mode: 'web', backend: 'wasm' });
    const staticDir = path.join(dir, 'static');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>');
    const server = await startServer({ lab, staticDir });
    const startWorkers = async (n: number) => {
      const ws: ChildProcess[] = [];
      for (let i = 0; i < n; i++) {
        const w = spawn(process.execPath, [BIN, 'worker', '--redis', url, '--lab', `http://127.0.0.1:${server.port}`, '--token', server.token, '--cache', path.join(dir, `cache${i}`)], {
          env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm', ROBUSTLAB_THREADS: '1' },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        procs.push(w);
        ws.push(w);
        await new Promise<void>((resolve) => w.stderr!.on('data', (d: Buffer) => d.toString().includes('pulling jobs') && resolve()));
      }
      return ws;
    };
    const stop = async (ws: ChildProcess[]) => {
      for (const w of ws) w.kill('SIGTERM');
      await Promise.all(ws.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.on('exit', r)))));
    };
    const timeSweep = async (base: Record<string, unknown>, n: number, parallel: number) => {
      const t0 = performance.now();
      const s = await lab.call('submitSweep', { base, axes: [`seed=0..${n - 1}`], maxParallel: parallel });
      const d = await lab.waitForSweep(s.id);
      if (d.counts.finished !== n) throw new Error(`the sweep ended with ${d.counts.finished} of ${n} members finished`);
      return (performance.now() - t0) / 1000;
    };
    try {
      let ws = await startWorkers(1);
      // Warm the worker's file cache (the dataset is fetched once per worker).
      await timeSweep(emptyJob, 1, 1);
      t = performance.now();
      const bullmq = ((await timeSweep(emptyJob, jobs, jobs)) * 1000) / jobs;
      log(`sweeps: BullMQ ${bullmq.toFixed(0)} ms per near-empty job (1 worker)`);
      const one = await timeSweep(tinyTrain(), members, members);
      log(`sweeps: ${members} tiny trainings on 1 worker: ${one.toFixed(1)} s`);
      ws = [...ws, ...(await startWorkers(1))];
      await timeSweep(emptyJob, 2, 2);
      const two = await timeSweep(tinyTrain(), members, members);
      log(`sweeps: ${members} tiny trainings on 2 workers: ${two.toFixed(1)} s (×${(one / two).toFixed(2)})`);
      await stop(ws);
      return {
        empty_jobs: jobs,
        embedded_ms_per_job: Math.round(embedded),
        bullmq_ms_per_job: Math.round(bullmq),
        sweep_members: members,
        sweep_1_worker_s: Number(one.toFixed(1)),
        sweep_2_workers_s: Number(two.toFixed(1)),
        speedup: Number((one / two).toFixed(2)),
        load_average: load(),
        note: `single-thread wasm workers on this ${os.cpus().length}-core machine; both queues keep warm job processes, so after the first a job pays no process start`,
      };
    } finally {
      await server.close();
      await lab.close();
      delete process.env.ROBUSTLAB_REDIS_URL;
    }
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    for (const r of restore) r();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const json = process.argv.includes('--json');
  const r = await benchSweeps({ log: json ? undefined : (l) => process.stderr.write(`${l}\n`) });
  console.log(JSON.stringify(r));
  process.exit(0);
}
