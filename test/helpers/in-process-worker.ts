/**
 * A SpawnWorker that runs each job in the test process itself (no fork, no second engine start),
 * speaking the same protocol as a real worker. For tests that exercise the training and
 * evaluation code through the Lab facade, not the process boundary.
 */
import '../../src/core/job-kinds';
import { runJob } from '../../src/core/jobs/runner';
import type { SpawnWorker, WorkerHandle, WorkerToHost } from '../../src/core/jobs/protocol';

export const inProcessWorker: SpawnWorker = (): WorkerHandle => {
  let onMsg: ((m: WorkerToHost) => void) | null = null;
  let onExit: ((code: number | null) => void) | null = null;
  let cancelled = false;
  let started = false;
  return {
    pid: process.pid,
    send(msg) {
      if (msg.type === 'cancel') {
        cancelled = true;
        return;
      }
      if (started) return;
      started = true;
      setImmediate(async () => {
        const r = await runJob({ runId: msg.runId, labDir: msg.labDir, backend: msg.backend, emit: (event) => onMsg?.({ type: 'event', event }), isCancelled: () => cancelled });
        onMsg?.({ type: 'done', status: r.status, error: r.error });
        onExit?.(0);
      });
    },
    onMessage(cb) {
      onMsg = cb;
      setImmediate(() => cb({ type: 'ready' }));
    },
    onExit(cb) {
      onExit = cb;
    },
    kill() {
      cancelled = true;
    },
  };
};
