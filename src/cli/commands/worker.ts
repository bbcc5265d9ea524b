/**
 * `robustlab worker`: compute for a lab host through BullMQ on Redis; `robustlab workers`: the
 * workers that registered, with their state. Registered by src/cli/index.ts.
 */
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { lazyModule } from '../../core/engine/lazy-require';

// Only `robustlab workers` needs it: other commands skip loading ioredis.
const ioredis = lazyModule<typeof import('ioredis')>('ioredis');
import { LabError } from '../../shared/errors';
import { LAB_VERSION } from '../../core/service';
import { readWorkers, redactUrl } from '../../core/remote/host';
import { runRemoteWorker } from '../../core/remote/worker';
import type { WorkerInfo } from '../../shared/remote';
import type { CliHelpers, GlobalOpts } from '../helpers';

export function addWorkerCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, out, num, table } = h;
  program
    .command('worker')
    .description('run jobs for a lab host: pull them from its Redis (BullMQ), fetch data from its API, upload results')
    .option('--redis <url>', 'the lab’s Redis, e.g. redis://:password@host:6379 (default: $ROBUSTLAB_REDIS_URL)')
    .option('--token <t>', 'the lab host’s access token (what `robustlab web --json` printed)')
    .option('--concurrency <n>', 'jobs at once', num('concurrency', true), 1)
    .option('--cache <dir>', 'where fetched datasets and models are kept (by sha256)')
    .addHelpText('after', '\nGive the lab host’s URL with --lab http://HOST:PORT (the address `robustlab web --json` printed).')
    .action(async (o) => {
      const lab = g().lab;
      const redis = (o.redis as string | undefined) ?? process.env.ROBUSTLAB_REDIS_URL;
      if (!lab || !/^https?:\/\//.test(lab)) throw new LabError('bad_input', 'Give the lab host as --lab http://HOST:PORT (the address `robustlab web --json` printed).');
      if (!redis) throw new LabError('bad_input', 'Give the lab’s Redis with --redis redis://HOST:PORT (or set ROBUSTLAB_REDIS_URL).');
      if (!o.token) throw new LabError('bad_input', 'Give the lab host’s access token with --token (what `robustlab web --json` printed).');
      const base = new URL(lab);
      const token = (o.token as string) || base.searchParams.get('token') || '';
      const w = await runRemoteWorker({
        redis,
        lab: `${base.protocol}//${base.host}`,
        token,
        labVersion: LAB_VERSION,
        concurrency: o.concurrency,
        backend: g().backend,
        cacheDir: path.resolve((o.cache as string | undefined) ?? path.join(os.homedir(), '.cache', 'robustlab-worker')),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      out(g(), { state: 'started', redis: redactUrl(redis), lab: `${base.protocol}//${base.host}` }, 'Worker started; Ctrl-C stops it (a job it runs goes back to the queue).');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await w.close();
    });

  program
    .command('workers')
    .description('the remote workers of the lab’s Redis: host, backend, device, current job, state (a worker not seen for 20 s is lost)')
    .option('--redis <url>', 'the lab’s Redis (default: $ROBUSTLAB_REDIS_URL)')
    .action(async (o) => {
      const url = (o.redis as string | undefined) ?? process.env.ROBUSTLAB_REDIS_URL;
      if (!url) throw new LabError('bad_input', 'Give the lab’s Redis with --redis redis://HOST:PORT (or set ROBUSTLAB_REDIS_URL).');
      const client = new (ioredis().Redis)(url, { maxRetriesPerRequest: 1, lazyConnect: true });
      client.on('error', () => {});
      let workers: WorkerInfo[];
      try {
        await client.connect();
        workers = await readWorkers(client);
      } catch (err) {
        throw new LabError('internal', `Cannot reach Redis at ${redactUrl(url)} (${(err as Error).message}).`);
      } finally {
        client.disconnect();
      }
      out(g(), { workers }, table(workers as unknown as Record<string, unknown>[], ['id', 'host', 'backend', 'device', 'current_job', 'jobs_done', 'last_seen', 'state']));
    });
}
