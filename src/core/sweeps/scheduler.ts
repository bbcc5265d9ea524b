/**
 * Drives sweeps in the lab host: submits members (and each trained member's chained evaluation)
 * through the facade's normal submit, at most `maxParallel` at a time, so every member is an
 * ordinary run in the sweep's group. A failed member does not stop the others. Pause stops new
 * members (running ones finish); cancel stops everything. The state lives in the store, so a
 * long-lived host (app, web) picks up a sweep whose host process died.
 */
import { LabError } from '../../shared/errors';
import { JobSpecSchema, TERMINAL_STATUSES, type JobSpec, type LabEvent, type RunInfo } from '../../shared/schemas';
import type { SweepStatus } from '../../shared/sweeps';
import { describeZodIssues, zodIssues } from '../../shared/validation';
import { pidAlive } from '../jobs/queue';
import { newId, type LabStore } from '../store/store';
import { describeValues } from './expand';
import { claimSweep, getSweepRecord, linkRun, liveSweeps, setSweepStatus, sweepLinks, type SweepRecord } from './records';

export interface SweepHost {
  store: LabStore;
  /** The facade's submit (kind check, run row in the group, queued). */
  submit(spec: JobSpec, groupId: string): RunInfo;
  waitFor(runId: string): Promise<string>;
  cancel(runId: string): void;
  emit(e: LabEvent): void;
  /** How many jobs the queue may run at once for the sweeps now driven (0: back to the default). */
  setParallel(n: number): void;
}

/** How often a driver looks whether another process paused, resumed or cancelled its sweep. */
const POLL_MS = 1500;

function memberName(rec: SweepRecord, values: Record<string, unknown>, stage: 'run' | 'eval'): string {
  const name = `${rec.name} · ${stage === 'eval' ? 'eval · ' : ''}${describeValues(values as never)}`;
  return name.length > 200 ? `${name.slice(0, 199)}…` : name;
}

export class SweepScheduler {
  /** Sweeps this process drives → run ids it submitted that have not ended. */
  private readonly driven = new Map<string, Set<string>>();
  private readonly waiters = new Map<string, ((s: SweepStatus) => void)[]>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(private readonly host: SweepHost) {}

  private get store(): LabStore {
    return this.host.store;
  }

  /** Starts driving a sweep this process just created or claimed. */
  drive(sweepId: string): void {
    if (!this.driven.has(sweepId)) this.driven.set(sweepId, new Set());
    this.ensureTimer();
    this.pump(sweepId);
  }

  /** Takes over live sweeps whose host process is gone (called by long-lived hosts at open). */
  adopt(): string[] {
    const taken: string[] = [];
    for (const rec of liveSweeps(this.store)) {
      if (rec.hostPid === process.pid || !pidAlive(rec.hostPid)) {
        claimSweep(this.store, rec.id, process.pid);
        taken.push(rec.id);
        this.drive(rec.id);
      }
    }
    return taken;
  }

  pause(sweepId: string): void {
    const rec = getSweepRecord(this.store, sweepId);
    if (rec.status !== 'running') throw new LabError('conflict', `Sweep "${rec.name}" is ${rec.status}; only a running sweep can be paused.`);
    setSweepStatus(this.store, rec.id, 'paused');
    this.host.emit({ type: 'catalog' });
  }

  resume(sweepId: string): void {
    const rec = getSweepRecord(this.store, sweepId);
    if (rec.status !== 'paused') throw new LabError('conflict', `Sweep "${rec.name}" is ${rec.status}; only a paused sweep can be resumed.`);
    setSweepStatus(this.store, rec.id, 'running', process.pid);
    this.host.emit({ type: 'catalog' });
    this.drive(rec.id);
  }

  cancel(sweepId: string): void {
    const rec = getSweepRecord(this.store, sweepId);
    if (rec.status === 'finished' || rec.status === 'cancelled') {
      throw new LabError('conflict', `Sweep "${rec.name}" has already ended (${rec.status}); there is nothing to cancel.`);
    }
    setSweepStatus(this.store, rec.id, 'cancelled');
    this.stopMembers(rec.id);
    this.host.emit({ type: 'catalog' });
    this.settle(rec.id, 'cancelled');
  }

  /** Resolves with 'finished' or 'cancelled' once the sweep has ended. */
  waitFor(sweepId: string): Promise<SweepStatus> {
    const rec = getSweepRecord(this.store, sweepId);
    if (rec.status === 'finished' || rec.status === 'cancelled') return Promise.resolve(rec.status);
    this.ensureTimer();
    return new Promise((resolve) => {
      const list = this.waiters.get(rec.id) ?? [];
      list.push(resolve);
      this.waiters.set(rec.id, list);
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private ensureTimer(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref?.();
  }

  private poll(): void {
    if (this.closed || !this.store.db.open) return;
    try {
      for (const id of [...this.driven.keys()]) this.pump(id);
      for (const id of [...this.waiters.keys()]) {
        const s = getSweepRecord(this.store, id).status;
        if (s === 'finished' || s === 'cancelled') this.settle(id, s);
      }
    } catch {
      /* a busy or closing database: next time */
    }
  }

  private stopMembers(sweepId: string): void {
    const ids = new Set([...(this.driven.get(sweepId) ?? []), ...sweepLinks(this.store, sweepId).map((l) => l.runId)]);
    for (const runId of ids) {
      try {
        const run = this.store.getRun(runId);
        if (!TERMINAL_STATUSES.includes(run.status)) this.host.cancel(runId);
      } catch {
        /* gone or over */
      }
    }
  }

  private settle(sweepId: string, status: SweepStatus): void {
    for (const w of this.waiters.get(sweepId) ?? []) w(status);
    this.waiters.delete(sweepId);
    if (status === 'finished' || status === 'cancelled') {
      this.driven.delete(sweepId);
      this.updateParallel();
    }
  }

  private updateParallel(): void {
    let n = 0;
    for (const id of this.driven.keys()) {
      try {
        const rec = getSweepRecord(this.store, id);
        if (rec.status === 'running') n += rec.maxParallel;
      } catch {
        /* deleted */
      }
    }
    this.host.setParallel(n);
  }

  /** Submits what may start now; ends the sweep when nothing is left. */
  private pump(sweepId: string): void {
    if (this.closed) return;
    const inflight = this.driven.get(sweepId);
    if (!inflight) return;
    const rec = getSweepRecord(this.store, sweepId);
    if (rec.status === 'cancelled' || rec.status === 'finished') {
      if (rec.status === 'cancelled') this.stopMembers(rec.id);
      this.settle(rec.id, rec.status);
      return;
    }
    if (rec.hostPid !== process.pid) {
      // Another process resumed it and drives it now; ours finish on their own.
      if (!inflight.size) this.driven.delete(sweepId);
      return;
    }
    for (const id of inflight) {
      // Runs another process's queue ran (a sweep resumed here) end without telling this one.
      if (TERMINAL_STATUSES.includes(this.store.getRun(id).status)) inflight.delete(id);
    }
    this.updateParallel();
    const links = sweepLinks(this.store, rec.id);
    const runOf = new Map(links.filter((l) => l.stage === 'run').map((l) => [l.member, l.runId]));
    const evalOf = new Map(links.filter((l) => l.stage === 'eval').map((l) => [l.member, l.runId]));
    // Chained evaluations of finished trainings first, then members not started yet.
    const evalsDue: number[] = [];
    let unfinished = 0;
    for (const m of rec.members) {
      const runId = runOf.get(m.index);
      if (!runId) {
        unfinished++;
        continue;
      }
      const run = this.store.getRun(runId);
      if (!TERMINAL_STATUSES.includes(run.status)) {
        unfinished++;
        if (!inflight.has(runId)) this.track(rec.id, runId);
        continue;
      }
      if (rec.thenEval && run.status === 'finished' && run.modelId) {
        const evId = evalOf.get(m.index);
        if (!evId) {
          evalsDue.push(m.index);
          unfinished++;
        } else if (!TERMINAL_STATUSES.includes(this.store.getRun(evId).status)) {
          unfinished++;
          if (!inflight.has(evId)) this.track(rec.id, evId);
        }
      }
    }
    if (rec.status === 'running') {
      for (const index of evalsDue) {
        if (inflight.size >= rec.maxParallel) break;
        const m = rec.members[index]!;
        const model = this.store.getRun(runOf.get(index)!).modelId!;
        const spec = { ...rec.thenEval, kind: 'eval', model, name: memberName(rec, m.values, 'eval') } as unknown as JobSpec;
        this.dispatch(rec, index, 'eval', spec);
      }
      for (const m of rec.members) {
        if (inflight.size >= rec.maxParallel) break;
        if (runOf.has(m.index)) continue;
        runOf.set(m.index, this.dispatch(rec, m.index, 'run', { ...m.spec, name: memberName(rec, m.values, 'run') } as unknown as JobSpec));
      }
    }
    if (unfinished === 0 && inflight.size === 0) {
      setSweepStatus(this.store, rec.id, 'finished');
      this.host.emit({ type: 'catalog' });
      this.settle(rec.id, 'finished');
    }
  }

  /**
   * Submits one member (or its evaluation) through the facade. A spec that no longer passes its
   * kind's rules (its dataset was deleted since) becomes a failed run of the group, not a stop.
   */
  private dispatch(rec: SweepRecord, member: number, stage: 'run' | 'eval', spec: JobSpec): string {
    let runId: string;
    try {
      // Parsed here: the chained eval template gets its defaults like a submitted spec.
      runId = this.host.submit(JobSpecSchema.parse(spec), rec.id).id;
    } catch (err) {
      const issues = zodIssues(err);
      const e = issues ? new LabError('bad_input', describeZodIssues(issues)) : LabError.from(err);
      runId = newId('r');
      this.store.insertRun({
        id: runId,
        kind: spec.kind,
        name: (spec as { name?: string }).name ?? rec.name,
        spec,
        datasetId: null,
        modelId: null,
        groupId: rec.id,
        params: {},
      });
      this.store.endRun(runId, 'failed', e.message);
      this.host.emit({ type: 'run', runId, status: 'failed', error: e.message });
    }
    linkRun(this.store, rec.id, member, stage, runId);
    this.track(rec.id, runId);
    return runId;
  }

  private track(sweepId: string, runId: string): void {
    const inflight = this.driven.get(sweepId);
    if (!inflight) return;
    const run = this.store.getRun(runId);
    if (TERMINAL_STATUSES.includes(run.status)) return;
    inflight.add(runId);
    void this.host.waitFor(runId).then(() => {
      inflight.delete(runId);
      if (this.closed) return;
      try {
        this.pump(sweepId);
      } catch {
        /* the lab is closing */
      }
    });
  }
}
