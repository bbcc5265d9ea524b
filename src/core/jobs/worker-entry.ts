/**
 * Entry of a job worker process. Runs in an Electron utilityProcess or a forked Node child:
 * opens its own connection to the store, runs one job, and reports progress to the host. When
 * the host asks (`reuse`, the warm pool of ./queue.ts) it stays after a job and runs the next one
 * it is sent, so the engine is loaded once; otherwise it leaves after its job.
 *
 * When the host dies (crash, kill -9, closed window) the channel to it closes: the worker then
 * marks its run interrupted (only if it is still active, so nothing is marked twice) and exits at
 * once, quietly. Anything that escapes is one line on stderr, never a stack dump of (minified)
 * code.
 */
import '../job-kinds';
import { LabStore } from '../store/store';
import { runJob } from './runner';
import type { HostToWorker, WorkerToHost } from './protocol';

interface Port {
  send(msg: WorkerToHost): void;
  onMessage(cb: (msg: HostToWorker) => void): void;
}

let current: { runId: string; labDir: string } | null = null;
let leaving = false;

/** The host is gone: end the run as interrupted (if still active) and leave without a word. */
function orphaned(): void {
  if (leaving) return;
  leaving = true;
  if (current) {
    try {
      const store = LabStore.open(current.labDir);
      try {
        store.endRun(
          current.runId,
          'interrupted',
          'The program that started this job (app, web server or command line) stopped before it finished; metrics logged until then are kept.',
        );
      } finally {
        store.close();
      }
    } catch {
      // The next open of the lab marks it (its host process is gone).
    }
  }
  process.exit(0);
}

function hostPort(): Port {
  const parentPort = (process as unknown as { parentPort?: { postMessage(m: unknown): void; on(ev: 'message', cb: (e: { data: unknown }) => void): void } }).parentPort;
  if (parentPort) {
    return {
      send: (msg) => {
        try {
          parentPort.postMessage(msg);
        } catch {
          orphaned();
        }
      },
      onMessage: (cb) => parentPort.on('message', (e) => cb(e.data as HostToWorker)),
    };
  }
  if (!process.send) {
    process.stderr.write('robustlab worker: start it as a job worker of the lab (it has no channel to a host).\n');
    process.exit(2);
  }
  return {
    send: (msg) => {
      if (!process.connected) return orphaned();
      // With a callback, a broken channel (EPIPE) comes here instead of an 'error' event.
      process.send!(msg, undefined, undefined, (err) => {
        if (err) orphaned();
      });
    },
    onMessage: (cb) => process.on('message', (m) => cb(m as HostToWorker)),
  };
}

// Anything that escapes: one line, no source dump.
const quietExit = (err: unknown) => {
  if (leaving) return;
  const code = (err as { code?: string } | null)?.code;
  if (code === 'EPIPE' || code === 'ERR_IPC_CHANNEL_CLOSED') return orphaned();
  process.stderr.write(`robustlab worker: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.exit(1);
};
process.on('uncaughtException', quietExit);
process.on('unhandledRejection', quietExit);
// If the host goes away, do not linger as an orphan: a forked child hears 'disconnect'; any
// worker (an Electron utility process too) sees its parent change when the host was killed.
process.on('disconnect', orphaned);
const hostPid = process.ppid;
setInterval(() => {
  if (process.ppid !== hostPid) orphaned();
}, 2000).unref();

const port = hostPort();
let cancelled = false;
let busy = false;

port.onMessage((msg) => {
  if (msg.type === 'cancel') {
    cancelled = true;
    return;
  }
  if (msg.type === 'start' && !busy) {
    busy = true;
    cancelled = false;
    current = { runId: msg.runId, labDir: msg.labDir };
    void runJob({
      runId: msg.runId,
      labDir: msg.labDir,
      backend: msg.backend,
      emit: (event) => port.send({ type: 'event', event }),
      isCancelled: () => cancelled || leaving,
    }).then((result) => {
      current = null;
      // A failed or cancelled job may have left the engine in a bad state: such a worker leaves.
      const reusable = !!msg.reuse && result.status === 'finished' && !leaving;
      port.send({ type: 'done', status: result.status, error: result.error, reusable, rss: process.memoryUsage().rss });
      if (reusable) {
        busy = false;
        return;
      }
      // Let the message flush, then leave.
      setTimeout(() => process.exit(0), 50);
    });
  }
});

port.send({ type: 'ready' });
