/** Data hooks over the `lab` client: loading, events and one run followed live. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { lab, onConnectionChange } from '../api/client';
import { LabError } from '../../shared/errors';
import {
  TERMINAL_STATUSES,
  type LabEvent,
  type MetricPoint,
  type ProgressEvent,
  type RunDetail,
  type RunStatus,
} from '../../shared/schemas';

export interface Loaded<T> {
  data: T | undefined;
  error: LabError | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Calls `fn` now and whenever `deps` change; `reload()` calls it again without a spinner, and so
 * does every 'catalog' event (something was made, renamed or deleted).
 */
function safeJson(x: unknown): string | null {
  try {
    return JSON.stringify(x) ?? null;
  } catch {
    return null;
  }
}

export function useLoad<T>(fn: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<LabError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const depsKey = JSON.stringify(deps);
  const lastKey = useRef<string | null>(null);
  const lastJson = useRef<string | null>(null);

  useEffect(() => {
    let alive = true;
    if (lastKey.current !== depsKey) {
      setLoading(true);
      lastKey.current = depsKey;
    }
    fnRef.current().then(
      (d) => {
        if (!alive) return;
        // An unchanged answer keeps the same object, so pages that react to `data` do not redo work.
        const text = safeJson(d);
        if (text === null || text !== lastJson.current) setData(d);
        lastJson.current = text;
        setError(undefined);
        setLoading(false);
      },
      (err) => {
        if (!alive) return;
        setError(LabError.from(err));
        setLoading(false);
      },
    );
    return () => {
      alive = false;
    };
  }, [depsKey, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  // Lists stay current: a dataset, model or run made, renamed or deleted anywhere (another tab,
  // the CLI, a finished job) reloads every loaded list without a spinner.
  useEffect(() => lab.onEvent((e) => {
    if (e.type === 'catalog') reload();
  }), [reload]);
  return { data, error, loading, reload };
}

/** Subscribes to every lab event while the component is mounted. */
export function useLabEvents(cb: (e: LabEvent) => void): void {
  const ref = useRef(cb);
  ref.current = cb;
  useEffect(() => lab.onEvent((e) => ref.current(e)), []);
}

/** Calls `cb` each time live updates (re)connect, so a page can catch up on what it missed. */
export function useOnReconnect(cb: () => void): void {
  const ref = useRef(cb);
  ref.current = cb;
  useEffect(
    () =>
      onConnectionChange((up) => {
        if (up) ref.current();
      }),
    [],
  );
}

/** Runs `cb` at most once per `ms` (trailing call kept). */
export function useThrottled(cb: () => void, ms: number): () => void {
  const ref = useRef(cb);
  ref.current = cb;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      ref.current();
    }, ms);
  }, [ms]);
}

export function isTerminal(status: RunStatus | undefined): boolean {
  return !!status && TERMINAL_STATUSES.includes(status);
}

export interface LiveRun {
  detail: RunDetail | undefined;
  error: LabError | undefined;
  progress: ProgressEvent | undefined;
  reload: () => void;
}

/**
 * One run followed live: its detail from getRun, metrics appended from events, the latest
 * progress event, and a refetch on every status change. While the run is not finished it also
 * polls every few seconds, so nothing is missed if the event stream drops.
 */
export function useLiveRun(runId: string | null | undefined): LiveRun {
  const [detail, setDetail] = useState<RunDetail | undefined>(undefined);
  const [error, setError] = useState<LabError | undefined>(undefined);
  const [progress, setProgress] = useState<ProgressEvent | undefined>(undefined);
  const idRef = useRef(runId);
  idRef.current = runId;
  const seq = useRef(0);

  const fetchDetail = useCallback(() => {
    const id = idRef.current;
    if (!id) return;
    const mySeq = ++seq.current;
    lab.getRun({ runId: id }).then(
      (d) => {
        if (mySeq !== seq.current || idRef.current !== id) return;
        setDetail(d);
        setError(undefined);
      },
      (err) => {
        if (mySeq !== seq.current || idRef.current !== id) return;
        setError(LabError.from(err));
      },
    );
  }, []);

  useEffect(() => {
    setDetail(undefined);
    setProgress(undefined);
    setError(undefined);
    if (runId) fetchDetail();
  }, [runId, fetchDetail]);

  useLabEvents((e) => {
    if (!runId || e.type === 'catalog' || e.runId !== runId) return;
    if (e.type === 'progress') {
      setProgress(e);
    } else if (e.type === 'metric') {
      setDetail((d) => {
        if (!d) return d;
        const point: MetricPoint = { step: e.step, value: e.value, time: e.time };
        const old = d.metrics[e.key] ?? [];
        const rest = old.filter((p) => p.step !== e.step);
        const next = [...rest, point].sort((a, b) => a.step - b.step);
        return {
          ...d,
          metrics: { ...d.metrics, [e.key]: next },
          run: { ...d.run, latestMetrics: { ...d.run.latestMetrics, [e.key]: e.value } },
        };
      });
    } else if (e.type === 'run') {
      setDetail((d) => (d ? { ...d, run: { ...d.run, status: e.status, error: e.error ?? d.run.error } } : d));
      fetchDetail();
    }
  });
  useOnReconnect(fetchDetail);

  const status = detail?.run.status;
  useEffect(() => {
    if (!runId || isTerminal(status)) return;
    const t = setInterval(fetchDetail, 3000);
    return () => clearInterval(t);
  }, [runId, status, fetchDetail]);

  return { detail, error, progress, reload: fetchDetail };
}

export interface Action {
  run: () => Promise<void>;
  busy: boolean;
  /** The lab's refusal in its own words (a LabError message), until cleared or the next run. */
  error: string | null;
  clearError: () => void;
}

/** A dialog's one action (save, rename, delete): busy while it runs, the refusal kept to show by the field. */
export function useAction(fn: () => Promise<void>): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      setError(LabError.from(err).message);
    } finally {
      setBusy(false);
    }
  };
  return { run, busy, error, clearError: () => setError(null) };
}
