/**
 * History speed: a lab with 10,000 runs × 100 epochs × 8 metrics + 20 params each (written through
 * the store's own insert paths), then the median time of what the Runs and Compare pages ask for:
 * the first page of the runs table, a filtered + sorted query, grouping by method, one run's charts,
 * a 50-run comparison (curves + params diff + scatter), and the lab's size on disk. Part of
 * `npm run bench`; on its own:
 *
 *   npx tsx bench/history.ts [--json]      # BENCH_HISTORY_RUNS (default 10000), BENCH_HISTORY_EPOCHS (100)
 *
 * Targets on the 2-core machine this was written on: runs page ≤ 50 ms, query ≤ 100 ms, run
 * charts ≤ 100 ms, 50-run compare ≤ 250 ms. The times include turning the answer into JSON, as
 * the web server and IPC do.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildComparison } from '../src/core/history/compare';
import { HistoryStore } from '../src/core/store/history-store';
import { LabStore } from '../src/core/store/store';

const METHODS = ['erm', 'pgd-at', 'trades', 'mart', 'fgsm-rs', 'awp', 'mixup', 'ibp'];
const ARCHS = ['mlp', 'mnist-cnn', 'cnn-bn', 'resnet'];
const METRICS = ['train/loss', 'train/accuracy', 'test/accuracy', 'test/loss', 'test/pgd_accuracy', 'test/certified_accuracy', 'lr', 'train/images_per_sec'];

/** A deterministic pseudo-random number in [0, 1) from an integer (no shared state). */
function hash01(n: number): number {
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
}

function spec(i: number) {
  const method = METHODS[i % METHODS.length];
  return {
    kind: 'train' as const,
    name: `bench run ${i}`,
    dataset: 'mnist-digits',
    arch: ARCHS[(i >> 3) % ARCHS.length],
    method,
    methodParams: { eps: [0.1, 0.2, 0.3][i % 3], steps: 10, beta: 6 },
    epochs: 100,
    batchSize: [64, 128, 256][i % 3],
    optimizer: { name: 'sgd' as const, lr: [0.01, 0.05, 0.1][(i >> 2) % 3], momentum: 0.9, weightDecay: 5e-4 },
    schedule: { name: 'cosine' as const, minLr: 0 },
    seed: i,
    limit: 60000,
    testLimit: 10000,
    logEvery: 10,
    monitor: { count: 200, pgdSteps: 10 },
    warmupEpochs: 1,
    valFraction: 0.1,
  };
}

function flatten(o: Record<string, unknown>, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object') flatten(v as Record<string, unknown>, key, out);
    else if (k !== 'kind' && k !== 'name') out[key] = String(v);
  }
  return out;
}

export function generateHistory(store: LabStore, runs: number, epochs: number, log?: (s: string) => void): string[] {
  const ids: string[] = [];
  const t0 = Date.UTC(2025, 0, 1);
  const BLOCK = 250;
  for (let start = 0; start < runs; start += BLOCK) {
    store.transaction(() => {
      for (let i = start; i < Math.min(runs, start + BLOCK); i++) {
        const id = `r_bench${String(i).padStart(6, '0')}`;
        const s = spec(i);
        store.insertRun({ id, kind: 'train', name: s.name, spec: s as never, datasetId: null, modelId: null, params: flatten(s) });
        const robustness = (s.method === 'erm' ? 0.05 : 0.35) + 0.2 * hash01(i * 7);
        const clean = 0.95 - (s.method === 'erm' ? 0 : 0.1) - 0.1 * hash01(i * 11);
        const values: { key: string; step: number; value: number; time: number }[] = [];
        for (let e = 1; e <= epochs; e++) {
          const f = 1 - Math.exp(-e / 15);
          const time = t0 + i * 3_600_000 + e * 30_000;
          const v = [2.3 * (1 - f) + 0.1, clean * f, clean * f - 0.01, 2.3 * (1 - f) + 0.15, robustness * f, robustness * f * 0.8, 0.1 * Math.cos((Math.PI * e) / (2 * epochs)), 900 + 50 * hash01(i * 131 + e)];
          METRICS.forEach((key, k) => values.push({ key, step: e, value: v[k], time }));
        }
        store.logMetrics(id, values);
        const created = new Date(t0 + i * 3_600_000).toISOString();
        store.endRun(id, 'finished');
        store.db.prepare('UPDATE runs SET created_at = ?, started_at = ?, ended_at = ? WHERE id = ?').run(created, created, new Date(t0 + i * 3_600_000 + epochs * 30_000).toISOString(), id);
        ids.push(id);
      }
    });
    if (log && (start / BLOCK) % 8 === 0) log(`history: ${Math.min(runs, start + BLOCK)} / ${runs} runs written`);
  }
  const h = new HistoryStore(store);
  h.setFlags({ runIds: ids.filter((_, i) => i % 10 === 0), addTags: ['baseline'] });
  h.setFlags({ runIds: ids.filter((_, i) => i % 37 === 0), starred: true });
  return ids;
}

function median(fn: () => unknown, reps = 7): number {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    JSON.stringify(fn());
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return Number(times[Math.floor(times.length / 2)].toFixed(2));
}

function dirSize(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return n;
}

export function benchHistory(opts: { runs?: number; epochs?: number; log?: (s: string) => void } = {}) {
  const runs = opts.runs ?? Number(process.env.BENCH_HISTORY_RUNS ?? 10000);
  const epochs = opts.epochs ?? Number(process.env.BENCH_HISTORY_EPOCHS ?? 100);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'robustlab-bench-history-'));
  const store = LabStore.open(dir);
  try {
    const g0 = performance.now();
    const ids = generateHistory(store, runs, epochs, opts.log);
    const generateSeconds = (performance.now() - g0) / 1000;
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.db.exec('ANALYZE');
    const fifty = ids.filter((_, i) => i % Math.max(1, Math.floor(runs / 50)) === 0).slice(0, 50);
    const h = new HistoryStore(store);
    // A fresh HistoryStore per call: nothing cached from the previous repetition (the first look at
    // a query); `next_page_ms` is the cached case (scrolling further through the same query).
    const cold = () => new HistoryStore(store);
    const filter = 'method = "trades" and metrics.test/pgd_accuracy > 0.4 and (tag:baseline or star or arch ~ "cnn")';
    const timings = {
      runs_page_ms: median(() => cold().queryRuns({ query: '', sort: '-created', limit: 200, offset: 0, includeArchived: false })),
      next_page_ms: median(() => h.queryRuns({ query: '', sort: '-created', limit: 200, offset: Math.max(0, runs - 200), includeArchived: false })),
      query_filtered_sorted_ms: median(() => cold().queryRuns({ query: filter, sort: '-metrics.test/accuracy', limit: 200, offset: 0, includeArchived: false })),
      sort_by_param_ms: median(() => cold().queryRuns({ query: '', sort: 'optimizer.lr', limit: 200, offset: 0, includeArchived: false })),
      group_by_method_ms: median(() => cold().groupRuns({ query: '', by: 'method', metric: 'test/accuracy', includeArchived: false })),
      run_charts_ms: median(() => ({ run: store.getRun(ids[Math.floor(runs / 2)]), metrics: store.getMetrics(ids[Math.floor(runs / 2)]) })),
      compare_50_ms: median(() => buildComparison(store, { runIds: fifty, metrics: ['test/accuracy'] }), 5),
      compare_50_all_curves_ms: median(() => buildComparison(store, { runIds: fifty }), 5),
    };
    const matches = h.queryRuns({ query: filter, sort: '-metrics.test/accuracy', limit: 1, offset: 0, includeArchived: false }).total;
    const sizeBytes = dirSize(dir);
    return {
      runs,
      epochs,
      metrics_per_run: METRICS.length,
      params_per_run: Object.keys(flatten(spec(0))).length,
      metric_rows: runs * epochs * METRICS.length,
      generate_seconds: Number(generateSeconds.toFixed(1)),
      filter,
      filter_matches: matches,
      ...timings,
      targets_ms: { runs_page: 50, query: 100, run_charts: 100, compare_50: 250 },
      load_average: os.loadavg().map((v) => Number(v.toFixed(2))),
      lab_size_mb: Number((sizeBytes / 2 ** 20).toFixed(1)),
      schema: (store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ('latest_metrics_key_value','runs_visible_created','metrics_run_key')").all() as { name: string }[]).map((r) => r.name),
    };
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const json = process.argv.includes('--json');
  const r = benchHistory({ log: json ? undefined : (s) => process.stderr.write(`${s}\n`) });
  if (json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else {
    console.log(`history: ${r.runs} runs × ${r.epochs} epochs × ${r.metrics_per_run} metrics (${r.metric_rows.toLocaleString('en')} metric rows) + ${r.params_per_run} params, written in ${r.generate_seconds} s; lab ${r.lab_size_mb} MB`);
    console.log(`  runs page ${r.runs_page_ms} ms (a later page ${r.next_page_ms} ms) · filtered+sorted query ${r.query_filtered_sorted_ms} ms (${r.filter_matches} runs) · sort by param ${r.sort_by_param_ms} ms · group by method ${r.group_by_method_ms} ms · run charts ${r.run_charts_ms} ms · 50-run compare ${r.compare_50_ms} ms (every metric's curves: ${r.compare_50_all_curves_ms} ms)`);
  }
}
