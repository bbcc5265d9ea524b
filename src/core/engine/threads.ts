/**
 * How many threads the engine's data-parallel executor (./parallel) uses: ROBUSTLAB_THREADS
 * (1 turns it off), else the machine's cores, at most 8. Inside one of the executor's own
 * worker threads it is always 1.
 *
 * Runs in: Node.
 */
import os from 'node:os';
import { isMainThread } from 'node:worker_threads';
import { LabError } from '../../shared/errors';

export const MAX_DEFAULT_THREADS = 8;

export function configuredThreads(): number {
  if (!isMainThread) return 1;
  const raw = process.env.ROBUSTLAB_THREADS?.trim();
  if (raw) {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 256) {
      throw new LabError('bad_input', `ROBUSTLAB_THREADS must be a whole number from 1 to 256 (1 = one thread), got "${raw}".`);
    }
    return n;
  }
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, cores));
}
