/**
 * Job workers in Electron: each job runs in its own utilityProcess (a Node process that Electron
 * manages), speaking the protocol of src/core/jobs/protocol.ts over `process.parentPort`.
 * Runs in: Electron main. Call the returned SpawnWorker only after `app` is ready.
 */
import { utilityProcess } from 'electron';
import type { HostToWorker, SpawnWorker, WorkerHandle, WorkerToHost } from '../core/jobs/protocol';

export function electronSpawnWorker(workerScriptPath: string): SpawnWorker {
  return (): WorkerHandle => {
    const child = utilityProcess.fork(workerScriptPath, [], {
      // The worker needs what main set up: ROBUSTLAB_SQLITE_BINDING, ROBUSTLAB_WASM_DIR, ...
      env: { ...process.env },
      serviceName: 'Robustness Lab job',
      stdio: 'inherit',
    });

    // Messages sent before the process has spawned wait here, then go out in order.
    let spawned = false;
    let exited = false;
    let exitCode: number | null = null;
    const pending: HostToWorker[] = [];
    const exitListeners: ((code: number | null) => void)[] = [];

    child.once('spawn', () => {
      spawned = true;
      for (const msg of pending.splice(0)) child.postMessage(msg);
    });
    child.once('exit', (code: number) => {
      exited = true;
      exitCode = code;
      pending.length = 0;
      for (const cb of exitListeners) cb(code);
    });
    child.on('error', (type: string, location: string) => {
      console.error(`[robustlab] job worker ${child.pid ?? '?'} hit a fatal error (${type}) at ${location}`);
    });

    return {
      get pid() {
        return child.pid;
      },
      send(msg: HostToWorker) {
        if (exited) return;
        if (spawned) child.postMessage(msg);
        else pending.push(msg);
      },
      onMessage(cb: (msg: WorkerToHost) => void) {
        child.on('message', (msg: unknown) => cb(msg as WorkerToHost));
      },
      onExit(cb: (code: number | null) => void) {
        if (exited) queueMicrotask(() => cb(exitCode));
        else exitListeners.push(cb);
      },
      kill() {
        if (!exited) child.kill();
      },
    };
  };
}
