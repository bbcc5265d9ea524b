/**
 * Spawning a job worker as a forked Node process (CLI, web mode, tests). Electron uses
 * utilityProcess instead (src/main/worker.ts); both speak the protocol in ./protocol.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { HostToWorker, SpawnWorker, WorkerHandle, WorkerToHost } from './protocol';

const require = createRequire(import.meta.url);

/** The worker entry next to this file: .ts when running from source (tsx), .js when built. */
function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(require.resolve('tsx/esm')).href;
    return { file: here.replace(/node-worker\.ts$/, 'worker-entry.ts'), execArgv: ['--import', tsx] };
  }
  return { file: here.replace(/[^/\\]+$/, 'worker.js'), execArgv: [] };
}

export const nodeSpawnWorker: SpawnWorker = (): WorkerHandle => {
  const { file, execArgv } = workerEntry();
  const child = fork(file, [], {
    execArgv: [...execArgv, '--no-warnings'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, ROBUSTLAB_WORKER: '1' },
  });
  return {
    get pid() {
      return child.pid;
    },
    send(msg: HostToWorker) {
      if (child.connected) child.send(msg);
    },
    onMessage(cb: (msg: WorkerToHost) => void) {
      child.on('message', (m) => cb(m as WorkerToHost));
    },
    onExit(cb: (code: number | null) => void) {
      child.on('exit', (code) => cb(code));
    },
    kill() {
      child.kill('SIGKILL');
    },
    setIdle(idle: boolean) {
      // An idle pooled worker must not keep a one-shot host (the CLI) running.
      const channel = child.channel as { ref(): void; unref(): void } | null | undefined;
      if (idle) {
        child.unref();
        channel?.unref();
      } else {
        child.ref();
        channel?.ref();
      }
    },
  };
};
