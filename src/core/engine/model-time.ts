/**
 * Wall time this thread spends inside the model: forward passes, and forward + backward passes for
 * input gradients, with the images they covered. AutoAttack reads it per stage so a report (and
 * `npm run bench`) can say how much of an attack is model compute and how much is the attack's own
 * bookkeeping (#12). The engine's ops run synchronously on wasm and cpu, so a wall clock around a
 * call measures the call; on the native backend it includes the wait for the results' data.
 */
export interface ModelTime {
  forwardMs: number;
  forwardImages: number;
  gradMs: number;
  gradImages: number;
}

const totals: ModelTime = { forwardMs: 0, forwardImages: 0, gradMs: 0, gradImages: 0 };

/** A copy of the running totals (subtract two to get what happened in between). */
export function modelTime(): ModelTime {
  return { ...totals };
}

/** Runs fn and adds its wall time to the forward or gradient total. */
export function timeModel<T>(kind: 'forward' | 'grad', images: number, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    const ms = performance.now() - t0;
    if (kind === 'forward') {
      totals.forwardMs += ms;
      totals.forwardImages += images;
    } else {
      totals.gradMs += ms;
      totals.gradImages += images;
    }
  }
}
