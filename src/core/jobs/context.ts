/**
 * What a running job sees: the store, its run, progress and metric logging, cancellation.
 */
import { LabError } from '../../shared/errors';
import type { LabEvent, ProgressEvent } from '../../shared/schemas';
import type { LabStore, RunRecord } from '../store/store';

type ProgressInput = Omit<ProgressEvent, 'type' | 'runId' | 'etaSeconds'> & { etaSeconds?: number };

/** A running job sends progress at least this often while it ticks (#12: at least every 2 s)... */
const PROGRESS_EVERY_MS = 1000;
/** ...and at most this often from progressSoon (IPC and the UI need no more). */
const PROGRESS_MIN_MS = 250;

export class JobContext {
  private latest: ProgressInput | null = null;
  private lastProgress = 0;
  private lastHeartbeat = 0;
  private lastYield = 0;
  private readonly started = Date.now();

  constructor(
    readonly store: LabStore,
    readonly run: RunRecord,
    private readonly emitFn: (e: LabEvent) => void,
    private readonly cancelledFn: () => boolean,
  ) {}

  emit(e: LabEvent): void {
    this.emitFn(e);
  }

  /** Logs metrics durably (one committed transaction) and streams them to clients. */
  log(values: { key: string; step: number; value: number }[]): void {
    const time = Date.now();
    this.store.logMetrics(
      this.run.id,
      values.map((v) => ({ ...v, time })),
    );
    for (const v of values) {
      if (Number.isFinite(v.value)) this.emit({ type: 'metric', runId: this.run.id, key: v.key, step: v.step, value: v.value, time });
    }
  }

  progress(p: ProgressInput): void {
    const now = Date.now();
    const elapsed = (now - this.started) / 1000;
    const eta =
      p.etaSeconds ?? (p.fraction > 0.001 && p.fraction < 1 ? (elapsed * (1 - p.fraction)) / p.fraction : p.fraction >= 1 ? 0 : undefined);
    this.latest = { ...p, etaSeconds: undefined };
    this.lastProgress = now;
    this.emit({ type: 'progress', runId: this.run.id, ...p, etaSeconds: eta });
  }

  /**
   * Progress from inside a step loop: remembered always, sent at most every PROGRESS_MIN_MS (the
   * next tick() sends the latest one once PROGRESS_EVERY_MS passed without an event).
   */
  progressSoon(p: ProgressInput): void {
    if (Date.now() - this.lastProgress >= PROGRESS_MIN_MS) this.progress(p);
    else this.latest = p;
  }

  get cancelled(): boolean {
    return this.cancelledFn();
  }

  /**
   * Called between steps: lets IPC messages (cancel) arrive, writes the heartbeat, and throws
   * a 'cancelled' LabError once the person asked to stop.
   */
  async tick(): Promise<void> {
    const t = Date.now();
    // Long steps and stages keep the person informed: the latest progress again, with a fresh ETA.
    if (this.latest && t - this.lastProgress >= PROGRESS_EVERY_MS) this.progress(this.latest);
    if (t - this.lastYield > 20) {
      this.lastYield = t;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (t - this.lastHeartbeat > 2000) {
      this.lastHeartbeat = t;
      this.store.heartbeat(this.run.id);
    }
    if (this.cancelledFn()) throw new LabError('cancelled', 'Cancelled by the user.');
  }
}
