/**
 * Whether a call of the data-parallel executor runs its shards on the workers ('parallel') or
 * one after the other on this thread ('sequential'), from measured times per kind of call
 * (ROBUSTLAB_PARALLEL=auto|always|never). The numbers are the same either way.
 *
 * Runs in: Node (the main thread of a job worker, CLI, tests).
 */

/**
 * Whether a call runs its shards on the workers ('parallel') or one after the other on this
 * thread ('sequential'): the numbers are the same either way, only the time differs. With
 * ROBUSTLAB_PARALLEL=auto (the default) each kind of call keeps a moving average of its time
 * per row in both modes, uses the faster, and tries the other one every PROBE_EVERY calls: on a
 * machine whose cores are busy with other programs, waiting for a worker can cost more than it
 * saves. 'always' and 'never' fix the mode.
 */
export type Mode = 'parallel' | 'sequential';
type Stat = { parallel: number | null; sequential: number | null; calls: number };
const stats = new Map<string, Stat>();
const PROBE_EVERY = 12;

export function policy(): 'auto' | 'always' | 'never' {
  const v = process.env.ROBUSTLAB_PARALLEL?.trim().toLowerCase();
  return v === 'always' || v === 'never' ? v : 'auto';
}

export function chooseMode(key: string): Mode {
  const p = policy();
  if (p !== 'auto') return p === 'always' ? 'parallel' : 'sequential';
  let st = stats.get(key);
  if (!st) stats.set(key, (st = { parallel: null, sequential: null, calls: 0 }));
  st.calls++;
  if (st.parallel === null) return 'parallel';
  if (st.sequential === null) return 'sequential';
  const better: Mode = st.parallel <= st.sequential ? 'parallel' : 'sequential';
  if (st.calls % PROBE_EVERY === 0) return better === 'parallel' ? 'sequential' : 'parallel';
  return better;
}

export function recordTime(key: string, mode: Mode, msPerRow: number): void {
  const st = stats.get(key);
  if (!st) return;
  const prev = st[mode];
  st[mode] = prev === null ? msPerRow : 0.75 * prev + 0.25 * msPerRow;
}

/** Measured milliseconds per row in each mode, per kind of call (for parallelInfo). */
export function measuredMsPerRow(): Record<string, { parallel: number | null; sequential: number | null }> {
  return Object.fromEntries(
    [...stats].map(([k, v]) => [k, { parallel: v.parallel && Number(v.parallel.toFixed(4)), sequential: v.sequential && Number(v.sequential.toFixed(4)) }]),
  );
}
