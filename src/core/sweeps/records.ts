/**
 * The sweeps tables (store migration 5): one row per sweep with its checked members, and which
 * run is which member. Only the lab host's process writes them.
 */
import { LabError } from '../../shared/errors';
import { TERMINAL_STATUSES, type RunStatus } from '../../shared/schemas';
import type { AxisValue, SweepDetail, SweepInfo, SweepMember, SweepSpec, SweepStatus } from '../../shared/sweeps';
import type { LabStore, RunRecord } from '../store/store';

export interface StoredMember {
  index: number;
  values: Record<string, AxisValue>;
  spec: Record<string, unknown>;
}

export interface SweepRecord {
  id: string;
  name: string;
  kind: string;
  spec: SweepSpec;
  members: StoredMember[];
  thenEval: Record<string, unknown> | null;
  status: SweepStatus;
  maxParallel: number;
  hostPid: number | null;
  createdAt: string;
  endedAt: string | null;
}

type Row = Record<string, unknown>;

function toRecord(r: Row): SweepRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    kind: r.kind as string,
    spec: JSON.parse(r.spec as string) as SweepSpec,
    members: JSON.parse(r.members as string) as StoredMember[],
    thenEval: r.then_eval ? (JSON.parse(r.then_eval as string) as Record<string, unknown>) : null,
    status: r.status as SweepStatus,
    maxParallel: r.max_parallel as number,
    hostPid: (r.host_pid as number | null) ?? null,
    createdAt: r.created_at as string,
    endedAt: (r.ended_at as string | null) ?? null,
  };
}

export function insertSweep(store: LabStore, s: Omit<SweepRecord, 'createdAt' | 'endedAt' | 'hostPid' | 'status'>): SweepRecord {
  store.db
    .prepare(
      `INSERT INTO sweeps(id, name, kind, spec, members, then_eval, status, max_parallel, host_pid, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)`,
    )
    .run(s.id, s.name, s.kind, JSON.stringify(s.spec), JSON.stringify(s.members), s.thenEval ? JSON.stringify(s.thenEval) : null, s.maxParallel, process.pid, new Date().toISOString());
  return getSweepRecord(store, s.id);
}

export function getSweepRecord(store: LabStore, idOrName: string): SweepRecord {
  const r = (store.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(idOrName) ??
    store.db.prepare('SELECT * FROM sweeps WHERE name = ? ORDER BY created_at DESC LIMIT 1').get(idOrName)) as Row | undefined;
  if (!r) throw new LabError('not_found', `No sweep "${idOrName}" in this lab; \`robustlab sweeps list\` shows them.`);
  return toRecord(r);
}

export function listSweepRecords(store: LabStore, limit = 200): SweepRecord[] {
  return (store.db.prepare('SELECT * FROM sweeps ORDER BY created_at DESC, id DESC LIMIT ?').all(limit) as Row[]).map(toRecord);
}

/** Sweeps still to drive (running or paused). */
export function liveSweeps(store: LabStore): SweepRecord[] {
  return (store.db.prepare(`SELECT * FROM sweeps WHERE status IN ('running','paused') ORDER BY created_at`).all() as Row[]).map(toRecord);
}

export function setSweepStatus(store: LabStore, id: string, status: SweepStatus, hostPid?: number): void {
  const ended = status === 'finished' || status === 'cancelled' ? new Date().toISOString() : null;
  store.db
    .prepare('UPDATE sweeps SET status = ?, ended_at = ?, host_pid = COALESCE(?, host_pid) WHERE id = ?')
    .run(status, ended, hostPid ?? null, id);
}

export function claimSweep(store: LabStore, id: string, hostPid: number): void {
  store.db.prepare('UPDATE sweeps SET host_pid = ? WHERE id = ?').run(hostPid, id);
}

export interface SweepLink {
  member: number;
  stage: 'run' | 'eval';
  runId: string;
}

export function sweepLinks(store: LabStore, sweepId: string): SweepLink[] {
  return (store.db.prepare('SELECT member, stage, run_id FROM sweep_runs WHERE sweep_id = ? ORDER BY member, stage DESC').all(sweepId) as Row[]).map((r) => ({
    member: r.member as number,
    stage: r.stage as 'run' | 'eval',
    runId: r.run_id as string,
  }));
}

export function linkRun(store: LabStore, sweepId: string, member: number, stage: 'run' | 'eval', runId: string): void {
  store.db.prepare('INSERT INTO sweep_runs(sweep_id, member, stage, run_id) VALUES (?, ?, ?, ?)').run(sweepId, member, stage, runId);
}

function tryRun(store: LabStore, id: string | undefined): RunRecord | null {
  if (!id) return null;
  try {
    return store.getRun(id);
  } catch {
    return null;
  }
}

const isEnded = (s: RunStatus) => TERMINAL_STATUSES.includes(s);

/** One member's state: its run's, or (after a finished training) its chained evaluation's. */
function memberState(rec: SweepRecord, run: RunRecord | null, ev: RunRecord | null): SweepMember['status'] {
  if (!run) return rec.status === 'cancelled' ? 'cancelled' : 'pending';
  if (!rec.thenEval || run.status !== 'finished') return run.status;
  if (!ev) return rec.status === 'cancelled' ? 'cancelled' : 'queued';
  return ev.status;
}

export function sweepRows(store: LabStore, rec: SweepRecord): SweepMember[] {
  const links = sweepLinks(store, rec.id);
  const runOf = new Map(links.filter((l) => l.stage === 'run').map((l) => [l.member, l.runId]));
  const evalOf = new Map(links.filter((l) => l.stage === 'eval').map((l) => [l.member, l.runId]));
  return rec.members.map((m) => {
    const run = tryRun(store, runOf.get(m.index));
    const ev = tryRun(store, evalOf.get(m.index));
    const metrics: Record<string, number> = { ...(run?.latestMetrics ?? {}) };
    for (const [k, v] of Object.entries(ev?.latestMetrics ?? {})) metrics[`eval/${k}`] = v;
    return {
      index: m.index,
      values: m.values,
      runId: run?.id ?? null,
      status: memberState(rec, run, ev),
      evalRunId: ev?.id ?? null,
      evalStatus: rec.thenEval ? (ev?.status ?? (run && isEnded(run.status) && run.status !== 'finished' ? null : 'pending')) : null,
      metrics,
    };
  });
}

export function sweepInfo(rec: SweepRecord, rows: SweepMember[]): SweepInfo {
  const counts = { pending: 0, queued: 0, running: 0, finished: 0, failed: 0, cancelled: 0, interrupted: 0 };
  for (const r of rows) counts[r.status]++;
  const ended = counts.finished + counts.failed + counts.cancelled + counts.interrupted;
  return {
    id: rec.id,
    name: rec.name,
    kind: rec.kind,
    status: rec.status,
    spec: rec.spec,
    maxParallel: rec.maxParallel,
    createdAt: rec.createdAt,
    endedAt: rec.endedAt,
    members: rows.length,
    counts,
    progress: rows.length ? ended / rows.length : 1,
  };
}

/** The metric a sweep is judged by when the person has not chosen one. */
const PREFERRED = ['eval/robust_accuracy', 'eval/clean_accuracy', 'test/accuracy', 'robust_accuracy', 'clean_accuracy', 'val/accuracy'];
const LOWER_IS_BETTER = /(loss|error|mce|seconds)$/i;

export function sweepDetail(store: LabStore, rec: SweepRecord, metric?: string, order?: 'max' | 'min'): SweepDetail {
  const rows = sweepRows(store, rec);
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort();
  if (metric && keys.length && !keys.includes(metric)) {
    throw new LabError('bad_input', `No member of sweep "${rec.name}" has the metric "${metric}"; its metrics: ${keys.join(', ')}.`);
  }
  const m = metric ?? PREFERRED.find((k) => keys.includes(k)) ?? keys[0] ?? null;
  const ord = order ?? (m && LOWER_IS_BETTER.test(m) ? 'min' : 'max');
  let best: number | null = null;
  let bestValue = 0;
  if (m) {
    for (const r of rows) {
      const v = r.metrics[m];
      if (v === undefined || !Number.isFinite(v)) continue;
      if (best === null || (ord === 'max' ? v > bestValue : v < bestValue)) {
        best = r.index;
        bestValue = v;
      }
    }
  }
  const runIds = rows.flatMap((r) => [r.runId, r.evalRunId].filter((x): x is string => !!x));
  return { ...sweepInfo(rec, rows), rows, metricKeys: keys, metric: m, order: ord, best, runIds };
}
