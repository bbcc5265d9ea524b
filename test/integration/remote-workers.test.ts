/**
 * Remote workers on loopback: a real redis-server (started here on a free port in a temp dir),
 * the lab host (web server + facade with ROBUSTLAB_REDIS_URL), and two `robustlab worker`
 * processes. A sweep of tiny trainings: both workers get work; one worker is killed (-9) after
 * its run uploaded an epoch checkpoint, and that run finishes on the other worker from the
 * checkpoint, in the same run row, with one metric per epoch. Redis and then the lab host are
 * restarted mid-sweep without losing work. A wrong token is refused.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/core/service';
import type { RunningServer } from '../../src/server/server';
import { tmpDir } from '../helpers/tmp';

const BIN = path.resolve(__dirname, '../../bin/robustlab.mjs');
const REDIS = '/usr/bin/redis-server';
const haveRedis = fs.existsSync(REDIS);

let dir: string;
let cleanup: () => void;
let redis: ChildProcess | null = null;
let lab: Lab;
let server: RunningServer;
let redisUrl: string;
let redisPort: number;

function startRedis(): ChildProcess {
  return spawn(REDIS, ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'], { stdio: 'ignore' });
}

async function waitRedis(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(redisPort, '127.0.0.1', () => (c.end(), resolve(true)));
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}
const workers: ChildProcess[] = [];

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

function startWorker(token: string, cache: string): { child: ChildProcess; log: { text: string } } {
  const log = { text: '' };
  const child = spawn(process.execPath, [BIN, 'worker', '--redis', redisUrl, '--lab', server.url.replace(/\/\?.*$/, ''), '--token', token, '--cache', cache], {
    env: { ...process.env, ROBUSTLAB_BACKEND: 'wasm', ROBUSTLAB_THREADS: '1', ROBUSTLAB_WORKER_LOCK_MS: '4000', ROBUSTLAB_WORKER_STALLED_MS: '1500' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (d) => (log.text += d));
  child.stdout!.on('data', (d) => (log.text += d));
  return { child, log };
}

// Skipped only where Debian's redis-server is missing: these tests need a real Redis (.ci/run installs it).
describe.skipIf(!haveRedis)(`remote workers (BullMQ on Redis)${haveRedis ? '' : ' — skipped: redis-server is not installed (apt-get install redis-server)'}`, () => {
  beforeAll(async () => {
    ({ dir, cleanup } = tmpDir('robustlab-remote-'));
    redisPort = await freePort();
    redis = startRedis();
    redisUrl = `redis://127.0.0.1:${redisPort}`;
    await waitRedis();
    process.env.ROBUSTLAB_REDIS_URL = redisUrl;
    // Evaluations only for workers on the plain-JS cpu backend (these workers load wasm).
    process.env.ROBUSTLAB_PIN = 'eval:cpu';
    const { Lab } = await import('../../src/core/service');
    const { startServer } = await import('../../src/server/server');
    lab = await Lab.open({ labDir: path.join(dir, 'lab'), mode: 'web', backend: 'wasm' });
    const staticDir = path.join(dir, 'static');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>lab</title>');
    server = await startServer({ lab, staticDir });
  }, 60_000);

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
    delete process.env.ROBUSTLAB_REDIS_URL;
    delete process.env.ROBUSTLAB_PIN;
    // Redis goes whatever happens to the lab's close.
    await server?.close().catch(() => {});
    await lab?.close().catch(() => {});
    redis?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    cleanup?.();
  });

  it('refuses a worker with a wrong token in one sentence', async () => {
    // Not spawnSync: this process is the lab host and must answer the worker.
    const w = startWorker('wrong', path.join(dir, 'c0'));
    const code = await new Promise<number | null>((resolve) => w.child.on('exit', (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(w.log.text.trim().split('\n')).toHaveLength(1);
    expect(w.log.text).toMatch(/refused this worker's token/);
  }, 60_000);

  it('runs a sweep on two workers; a worker killed mid-run is replaced from its checkpoint', async () => {
    const w1 = startWorker(server.token, path.join(dir, 'c1'));
    const w2 = startWorker(server.token, path.join(dir, 'c2'));
    workers.push(w1.child, w2.child);
    const byPid = new Map([
      [w1.child.pid!, w1],
      [w2.child.pid!, w2],
    ]);
    // Kill -9 the worker of the first run whose epoch checkpoint has reached the lab host.
    let killed: { runId: string; pid: number } | null = null;
    const ckDir = path.join(dir, 'lab', 'checkpoints');
    const watch = setInterval(() => {
      if (killed || !fs.existsSync(ckDir)) return;
      for (const f of fs.readdirSync(ckDir)) {
        const runId = f.replace(/\.safetensors$/, '');
        if (!f.endsWith('.safetensors')) continue;
        void lab.call('getRun', { runId }).then((d) => {
          const pid = Number(/on worker .*-(\d+)$/.exec(d.run.device ?? '')?.[1]);
          if (killed || d.run.status !== 'running' || !byPid.has(pid)) return;
          killed = { runId, pid };
          byPid.get(pid)!.child.kill('SIGKILL');
        });
      }
    }, 50);
    const off = () => clearInterval(watch);
    // Long enough runs (8 epochs of 1,000 images) that the watcher always finds one mid-way: with
    // warm job processes a 4-epoch run of 300 images could end before the first poll saw it.
    const base = { kind: 'train', dataset: 'mnist-digits', arch: 'mlp', epochs: 8, batchSize: 50, optimizer: { name: 'sgd', lr: 0.1 }, limit: 1000, testLimit: 100 };
    const sweep = await lab.call('submitSweep', { base, axes: ['seed=0..2'], maxParallel: 3 });
    const done = await lab.waitForSweep(sweep.id);
    off();
    const logs = `${w1.log.text}\n${w2.log.text}`;
    expect(done.status, logs).toBe('finished');
    expect(done.counts.finished, logs).toBe(3);
    expect(killed, logs).not.toBeNull();

    const runs = await Promise.all(done.rows.map((r) => lab.call('getRun', { runId: r.runId! })));
    // Both workers computed: the killed one had started a run (and uploaded its checkpoint), the
    // other ran the rest; each member is exactly one run row.
    expect(byPid.has(killed!.pid)).toBe(true);
    const all = await lab.call('listRuns', { limit: 100 });
    expect(all.filter((r) => r.groupId === sweep.id)).toHaveLength(3);

    const victim = runs.find((d) => d.run.id === killed!.runId)!;
    expect(victim.run.status).toBe('finished');
    const survivor = [...byPid.keys()].find((p) => p !== killed!.pid)!;
    expect(victim.run.device).toMatch(new RegExp(`-${survivor}$`));
    expect(logs).toMatch(new RegExp(`resuming ${killed!.runId} from the lab host's last checkpoint`));
    // One value per epoch, no duplicates, and a model of its own.
    for (const d of runs) {
      expect(d.metrics['test/accuracy']!.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const steps = d.metrics['train/loss']!.map((p) => p.step);
      expect(new Set(steps).size).toBe(steps.length);
      expect(d.model?.id).toBeTruthy();
    }

    // `robustlab workers` (it reads Redis only, so spawnSync is fine here) lists both; the survivor did the extra job.
    const list = spawnSync(process.execPath, [BIN, 'workers', '--redis', redisUrl, '--json'], { encoding: 'utf8', timeout: 30_000 });
    const ws = JSON.parse(list.stdout.trim().split('\n').pop()!).workers as { id: string; jobs_done: number }[];
    expect(ws).toHaveLength(2);
    expect(ws.find((w) => w.id.endsWith(`-${survivor}`))!.jobs_done).toBeGreaterThanOrEqual(2);
    // The lab's own call (the Workers panel) reads the same registry.
    const panel = await lab.call('listWorkers', {});
    expect(panel.queue).toBe('bullmq');
    expect(panel.workers.map((w) => w.id).sort()).toEqual(ws.map((w) => w.id).sort());
  }, 150_000);

  it('keeps jobs of a lab-stored architecture on the lab host (a worker has no copy of it)', async () => {
    await lab.call('addArchitecture', {
      spec: { name: 'host-tiny', input: [28, 28, 1], layers: [{ type: 'flatten' }, { type: 'linear', in: 784, out: 32 }, { type: 'tanh' }, { type: 'linear', in: 32, out: 10 }] },
    });
    const run = await lab.call('submitTrain', { kind: 'train', dataset: 'mnist-digits', arch: 'host-tiny', epochs: 1, batchSize: 50, optimizer: { name: 'sgd', lr: 0.1 }, limit: 300, testLimit: 100 });
    const done = await lab.waitForRun(run.id);
    expect(done.status, done.error ?? '').toBe('finished');
    const d = await lab.call('getRun', { runId: run.id });
    expect(d.run.device).not.toMatch(/on worker /);
    expect(d.model?.arch).toBe('host-tiny');
    const ev = await lab.waitForRun((await lab.call('submitEval', { kind: 'eval', model: d.model!.id, dataset: 'mnist-digits', limit: 50 })).id);
    expect(ev.status, ev.error ?? '').toBe('finished');
    expect((await lab.call('getRun', { runId: ev.id })).run.device).not.toMatch(/on worker /);
  }, 90_000);

  it('loses nothing when Redis restarts mid-sweep (append-only file)', async () => {
    const base = { kind: 'train', dataset: 'mnist-digits', arch: 'mlp', epochs: 2, batchSize: 50, optimizer: { name: 'sgd', lr: 0.1 }, limit: 300, testLimit: 100 };
    const sweep = await lab.call('submitSweep', { base, axes: ['seed=10..11'], maxParallel: 2 });
    // Restart as soon as one member runs (the others wait in Redis).
    for (let i = 0; i < 300; i++) {
      const d = await lab.call('getSweep', { sweepId: sweep.id });
      if (d.counts.running > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const old = redis!;
    await new Promise((r) => {
      old.on('exit', r);
      old.kill('SIGTERM');
    });
    redis = startRedis();
    await waitRedis();
    const done = await lab.waitForSweep(sweep.id);
    expect(done.status).toBe('finished');
    expect(done.counts.finished).toBe(2);
    const all = await lab.call('listRuns', { limit: 100 });
    expect(all.filter((r) => r.groupId === sweep.id)).toHaveLength(2);
  }, 90_000);

  it('keeps the work of a lab host restarted mid-sweep: workers deliver when it is back', async () => {
    const base = { kind: 'train', dataset: 'mnist-digits', arch: 'mlp', epochs: 3, batchSize: 50, optimizer: { name: 'sgd', lr: 0.1 }, limit: 300, testLimit: 100 };
    const sweep = await lab.call('submitSweep', { base, axes: ['seed=20..21'], maxParallel: 2 });
    for (let i = 0; i < 300; i++) {
      if ((await lab.call('getSweep', { sweepId: sweep.id })).counts.running > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { port, token } = server;
    await server.close();
    await lab.close();
    await new Promise((r) => setTimeout(r, 3000));
    const { Lab } = await import('../../src/core/service');
    const { startServer } = await import('../../src/server/server');
    lab = await Lab.open({ labDir: path.join(dir, 'lab'), mode: 'web', backend: 'wasm' });
    server = await startServer({ lab, staticDir: path.join(dir, 'static'), port, token });
    const done = await lab.waitForSweep(sweep.id);
    expect(done.counts.finished).toBe(2);
    for (const r of done.rows) {
      const d = await lab.call('getRun', { runId: r.runId! });
      expect(d.metrics['test/accuracy']!.map((p) => p.step)).toEqual([1, 2, 3]);
      expect(d.model?.id).toBeTruthy();
    }
  }, 90_000);

  it('sends pinned kinds only to workers of that backend; a queued remote job can be cancelled', async () => {
    const { parsePins } = await import('../../src/core/remote/host');
    expect(() => parsePins('train:tpu')).toThrow(/ROBUSTLAB_PIN: "train:tpu" should be kind:backend/);
    expect([...parsePins('train:tensorflow-gpu, eval:cpu')]).toEqual([
      ['train', 'tensorflow-gpu'],
      ['eval', 'cpu'],
    ]);
    const model = (await lab.call('listModels', {}))[0]!;
    const run = await lab.call('submitEval', { kind: 'eval', model: model.id, dataset: 'mnist-digits', limit: 20 });
    await new Promise((r) => setTimeout(r, 3000));
    // The wasm workers are idle, yet the evaluation waits for a cpu worker.
    expect((await lab.call('getRun', { runId: run.id })).run.status).toBe('queued');
    await lab.call('cancelRun', { runId: run.id });
    await expect.poll(async () => (await lab.call('getRun', { runId: run.id })).run.status, { timeout: 10_000 }).toBe('cancelled');
  }, 30_000);
});
