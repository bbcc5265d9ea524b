/**
 * What a sweep will do before it starts: member count, run count, a preview of the values and an
 * estimate of the total time from earlier finished runs of the same kind in this lab.
 */
import type { SweepPlan, SweepSpec } from '../../shared/sweeps';
import type { LabStore } from '../store/store';
import { checkSweep, type CheckedMember } from './expand';

interface PastRun {
  kind: string;
  spec: Record<string, unknown>;
  seconds: number;
}

function pastRuns(store: LabStore, kind: string, limit = 200): PastRun[] {
  const rows = store.db
    .prepare(
      `SELECT kind, spec, started_at, ended_at FROM runs
       WHERE kind = ? AND status = 'finished' AND started_at IS NOT NULL AND ended_at IS NOT NULL
       ORDER BY created_at DESC LIMIT ?`,
    )
    .all(kind, limit) as { kind: string; spec: string; started_at: string; ended_at: string }[];
  const out: PastRun[] = [];
  for (const r of rows) {
    const seconds = (Date.parse(r.ended_at) - Date.parse(r.started_at)) / 1000;
    if (!(seconds > 0)) continue;
    try {
      out.push({ kind: r.kind, spec: JSON.parse(r.spec) as Record<string, unknown>, seconds });
    } catch {
      /* a damaged spec: skip */
    }
  }
  return out;
}

/** Training work in image-epochs: epochs × the images of one epoch. */
function trainWork(store: LabStore, spec: Record<string, unknown>): number | null {
  try {
    const ds = store.getDataset(String(spec.dataset));
    const n = ds.splits.train?.count ?? 0;
    const limit = typeof spec.limit === 'number' ? Math.min(spec.limit, n) : n;
    const epochs = typeof spec.epochs === 'number' ? spec.epochs : 1;
    return limit * epochs || null;
  } catch {
    return null;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/**
 * Per-member seconds: for training, seconds per image-epoch of earlier runs with the same
 * dataset, architecture and method (else the same dataset and architecture) times the member's
 * image-epochs; for other kinds, the median time of earlier runs of that kind.
 */
function estimateMember(store: LabStore, kind: string, spec: Record<string, unknown>, past: PastRun[]): { seconds: number; basis: string } | null {
  if (kind === 'train') {
    const work = trainWork(store, spec);
    if (!work) return null;
    const rate = (filter: (p: PastRun) => boolean) => {
      const rates = past
        .filter(filter)
        .map((p) => {
          const w = trainWork(store, p.spec);
          return w ? p.seconds / w : null;
        })
        .filter((x): x is number => x !== null);
      return rates.length ? { rate: median(rates), n: rates.length } : null;
    };
    const dsId = (ref: unknown) => {
      try {
        return store.getDataset(String(ref)).id;
      } catch {
        return null;
      }
    };
    const target = dsId(spec.dataset);
    const same = (p: PastRun) => p.spec.arch === spec.arch && target !== null && dsId(p.spec.dataset) === target;
    const exact = rate((p) => same(p) && p.spec.method === spec.method);
    if (exact) return { seconds: exact.rate * work, basis: `${exact.n} earlier ${spec.method} training${exact.n === 1 ? '' : 's'} of ${spec.arch} on this dataset` };
    const near = rate(same);
    if (near) return { seconds: near.rate * work, basis: `${near.n} earlier training${near.n === 1 ? '' : 's'} of ${spec.arch} on this dataset (other methods; robust methods take longer)` };
    return null;
  }
  if (!past.length) return null;
  return { seconds: median(past.map((p) => p.seconds)), basis: `the median of ${past.length} earlier ${kind} run${past.length === 1 ? '' : 's'}` };
}

export function planSweep(store: LabStore, spec: SweepSpec): SweepPlan & { checked: CheckedMember[]; thenEval: Record<string, unknown> | null } {
  const checked = checkSweep(store, spec);
  const past = pastRuns(store, checked.kind);
  const evalPast = checked.thenEval ? pastRuns(store, 'eval') : [];
  let total = 0;
  let basis = '';
  let known = true;
  for (const m of checked.members) {
    const e = estimateMember(store, checked.kind, m.spec, past);
    if (!e) {
      known = false;
      break;
    }
    basis ||= e.basis;
    total += e.seconds;
    if (checked.thenEval) {
      const ev = estimateMember(store, 'eval', checked.thenEval, evalPast);
      if (!ev) {
        known = false;
        break;
      }
      total += ev.seconds;
    }
  }
  const parallel = Math.min(spec.maxParallel, checked.members.length);
  return {
    kind: checked.kind,
    mode: spec.mode,
    members: checked.members.length,
    runs: checked.members.length * (checked.thenEval ? 2 : 1),
    axes: checked.axes.map((a) =>
      'values' in a
        ? { path: a.path, values: a.values, range: null }
        : { path: a.path, values: null, range: { min: a.range.min, max: a.range.max, scale: a.range.scale, integer: a.range.integer } },
    ),
    preview: checked.members.slice(0, 20).map((m) => m.values),
    estimateSeconds: known ? total / parallel : null,
    estimateBasis: known
      ? `From ${basis}${parallel > 1 ? `, ${parallel} members at a time each as fast as alone` : ', one member at a time'}.`
      : `No earlier finished ${checked.kind} run like these in this lab to estimate from; the first member's time is the best guide.`,
    maxParallel: spec.maxParallel,
    checked: checked.members,
    thenEval: checked.thenEval,
  };
}
