/**
 * Entry of a job worker process. Runs in an Electron utilityProcess or a forked Node child:
 * opens its own connection to the store, runs one job, and reports progress to the host.
 */
import '../job-kinds';
import { runJob } from './runner';
import type { HostToWorker, WorkerToHost } from './protocol';

interface Port {
  send(msg: WorkerToHost): void;
  onMessage(cb: (msg: HostToWorker) => void): void;
}

function hostPort(): Port {
  const parentPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(ev: 'message', cb: (e: { data: unknown }) => void): void } }).parentPort;
  if (parentPort) {
    return {
      send: (msg) => parentPort.postMessage(msg),
      onMessage: (cb) => parentPort.on('message', (e) => cb(e.data as HostToWorker)),
    };
  }
  if (!process.send) throw new Error('worker-entry must be started as a job worker (no IPC channel).');
  return {
    send: (msg) => process.send!(msg),
    onMessage: (cb) => process.on('message', (m) => cb(m as HostToWorker)),
  };
}

const port = hostPort();
let cancelled = false;
let started = false;

port.onMessage((msg) => {
  if (msg.type === 'cancel') {
    cancelled = true;
    return;
  }
  if (msg.type === 'start' && !started) {
    started = true;
    void runJob({
      runId: msg.runId,
      labDir: msg.labDir,
      backend: msg.backend,
      emit: (event) => port.send({ type: 'event', event }),
      isCancelled: () => cancelled,
    }).then((result) => {
      port.send({ type: 'done', status: result.status, error: result.error });
      // Let the message flush, then leave.
      setTimeout(() => process.exit(0), 50);
    });
  }
});

// If the host goes away, do not linger as an orphan.
process.on('disconnect', () => process.exit(0));

port.send({ type: 'ready' });
