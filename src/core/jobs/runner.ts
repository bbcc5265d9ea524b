/**
 * Runs one job inside a worker process: engine, store, dispatch by kind, final status.
 */
import { LabError } from '../../shared/errors';
import { JobSpecSchema, type LabEvent, type RunStatus } from '../../shared/schemas';
import { initEngine } from '../engine/backend';
import { LabStore } from '../store/store';
import { attachArchitectureStore } from '../store/architecture-store';
import { storageError } from '../store/errors';
import { JobContext } from './context';
import { getJobKind } from './registry';

export interface RunJobOptions {
  runId: string;
  labDir: string;
  backend?: string;
  emit: (e: LabEvent) => void;
  isCancelled: () => boolean;
}

export async function runJob(
  opts: RunJobOptions,
): Promise<{ status: Extract<RunStatus, 'finished' | 'failed' | 'cancelled'>; error?: string }> {
  let store: LabStore | null = null;
  const emitStatus = (status: RunStatus, error?: string | null) =>
    opts.emit({ type: 'run', runId: opts.runId, status, error: error ?? null });
  try {
    store = LabStore.open(opts.labDir);
    attachArchitectureStore(store);
    const info = await initEngine({ force: opts.backend });
    if (opts.isCancelled()) throw new LabError('cancelled', 'Cancelled before it started.');
    if (!store.markRunning(opts.runId, { backend: info.name, device: info.device, workerPid: process.pid })) {
      return { status: 'cancelled', error: 'The run was no longer queued when the worker started.' };
    }
    emitStatus('running');
    const run = store.getRun(opts.runId);
    const spec = JobSpecSchema.parse(run.spec);
    const ctx = new JobContext(store, run, opts.emit, opts.isCancelled);
    await getJobKind(spec.kind).run(ctx, spec);
    store.endRun(opts.runId, 'finished');
    emitStatus('finished');
    return { status: 'finished' };
  } catch (err) {
    // A full disk or a read-only folder says so in one sentence; the failed write left no half file.
    const e = storageError(err, opts.labDir, store?.readOnly) ?? LabError.from(err);
    const status = e.code === 'cancelled' ? 'cancelled' : 'failed';
    const message = e.code === 'internal' && err instanceof Error && process.env.ROBUSTLAB_DEBUG ? `${e.message}\n${err.stack}` : e.message;
    try {
      store?.endRun(opts.runId, status, message);
    } catch {
      // The store itself failed; the host marks the run when the worker exits.
    }
    emitStatus(status, message);
    return { status, error: message };
  } finally {
    store?.close();
  }
}
