/**
 * Issue #15, point 4: when the host dies hard (kill -9) while a job runs, the worker notices the
 * closed channel, marks its run interrupted once, and exits quietly: nothing on the terminal.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { pidAlive, recoverInterruptedRuns } from '../../src/core/jobs/queue';
import { LabStore } from '../../src/core/store/store';
import { tmpDir } from '../helpers/tmp';

const { dir, cleanup } = tmpDir('rl-orphan-');

/** Alive and not a zombie (an exited child of a dead parent waits for init to reap it). */
function running(pid: number): boolean {
  if (!pidAlive(pid)) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}
afterAll(() => cleanup());

it('a worker whose host was killed marks its run interrupted and exits without a word', async () => {
  const host = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../helpers/orphan-host.ts'), dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROBUSTLAB_THREADS: '1' },
  });
  let out = '';
  let err = '';
  host.stdout.on('data', (d) => (out += d));
  host.stderr.on('data', (d) => (err += d));
  // The worker inherits the host's stderr: the pipe closes only when the worker is gone too.
  const stderrClosed = new Promise<void>((resolve) => host.stderr.on('close', () => resolve()));
  const hostExit = new Promise<NodeJS.Signals | null>((resolve) => host.on('exit', (_c, sig) => resolve(sig)));
  expect(await hostExit).toBe('SIGKILL');
  const { runId, workerPid } = JSON.parse(out.trim().split('\n').pop()!) as { runId: string; workerPid: number };
  const t0 = Date.now();
  await Promise.race([stderrClosed, new Promise((r) => setTimeout(r, 30_000))]);
  const seconds = (Date.now() - t0) / 1000;
  expect(running(workerPid), 'the worker is still running 30 s after its host died').toBe(false);
  expect(seconds).toBeLessThan(30);
  expect(err).toBe('');
  const store = LabStore.open(dir);
  try {
    const run = store.getRun(runId);
    expect(run.status).toBe('interrupted');
    expect(run.error).toBe(
      'The program that started this job (app, web server or command line) stopped before it finished; metrics logged until then are kept.',
    );
    expect(recoverInterruptedRuns(store)).toEqual([]); // marked once, by the worker
  } finally {
    store.close();
  }
});
