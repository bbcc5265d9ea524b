/**
 * CLI commands of the experiment history: `runs list|show|group|tag|untag|note|rename|star|unstar|
 * archive|unarchive|delete|restore|export|import|views` and `compare`. Registered by
 * src/cli/index.ts with its shared helpers; every command goes through `lab.call`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { LabError } from '../shared/errors';
import type { Comparison, RunSummary } from '../shared/history';
import { evalJson } from './eval-json';
import { pct, type CliHelpers, type GlobalOpts } from './helpers';

const DEFAULT_COLUMNS = ['id', 'name', 'kind', 'status', 'created', 'result'];

function list(v: string): string[] {
  return v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A table cell for a column name: a run field, `metrics.<key>`, `params.<key>` or a bare param. */
export function columnValue(r: RunSummary, col: string): string | number | boolean | null {
  switch (col) {
    case 'id':
    case 'name':
    case 'kind':
    case 'status':
    case 'backend':
      return r[col];
    case 'created':
      return r.createdAt.replace('T', ' ').slice(0, 19);
    case 'duration':
      return r.durationS === null ? null : Number(r.durationS.toFixed(1));
    case 'dataset':
      return r.datasetName ?? r.params.dataset ?? null;
    case 'tags':
      return r.tags.join(' ');
    case 'star':
      return r.starred;
    case 'note':
      return r.note;
    case 'result':
      return r.kind === 'train'
        ? `test acc ${pct(r.metrics['test/accuracy'])}`
        : r.kind === 'corrupt'
          ? `${r.metrics.images ?? '—'} images corrupted`
          : `clean ${pct(r.metrics.clean_accuracy)} robust ${pct(r.metrics.robust_accuracy)}`;
  }
  if (col.startsWith('metrics.')) return r.metrics[col.slice(8)] ?? null;
  if (col.startsWith('params.')) return r.params[col.slice(7)] ?? null;
  return r.params[col] ?? null;
}

function runJson(r: RunSummary, columns: string[] | null) {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    created_at: r.createdAt,
    duration_s: r.durationS,
    model_id: r.modelId,
    dataset_id: r.datasetId,
    dataset_name: r.datasetName,
    metrics: r.metrics,
    params: r.params,
    tags: r.tags,
    starred: r.starred,
    archived: r.archived,
    ...(columns ? { columns: Object.fromEntries(columns.map((c) => [c, columnValue(r, c)])) } : {}),
  };
}

function comparisonJson(c: Comparison, differencesOnly: boolean) {
  return {
    runs: c.runs.map((r) => ({ id: r.id, name: r.name, kind: r.kind, status: r.status })),
    params: c.params
      .filter((p) => !differencesOnly || p.differs)
      .map((p) => ({ key: p.key, values: p.values.map((v) => (v === undefined ? null : v)), present: p.present, differs: p.differs })),
    metrics: c.metrics,
    scatter: { clean_metric: c.scatter.cleanMetric, robust_metric: c.scatter.robustMetric, points: c.scatter.points.map((p) => ({ run_id: p.runId, clean: p.clean, robust: p.robust, pareto: p.onFront })) },
    eps_curves: c.epsCurves.map((e) => ({ run_id: e.runId, evaluation_id: e.evaluationId, attack: e.attack, points: e.points })),
    effective_robustness: {
      in_distribution: c.effectiveRobustness.inDistribution?.name ?? null,
      shifted: c.effectiveRobustness.shifted?.name ?? null,
      scale: c.effectiveRobustness.scale,
      fit: c.effectiveRobustness.fit,
      points: c.effectiveRobustness.points.map((p) => ({ run_id: p.runId, x: p.x, y: p.y, above_fit: p.effectiveRobustness })),
      note: c.effectiveRobustness.note,
    },
    curves: Object.fromEntries([...new Set(c.curves.map((s) => s.key))].map((k) => [k, c.curves.filter((s) => s.key === k).length])),
  };
}

export function addHistoryCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out, table, num } = h;

  const runs = program.command('runs').description('find, tag, archive, delete, export and import runs');
  runs
    .command('list')
    .description('runs matching a query (default: every visible run), newest first')
    .option('--query <q>', 'query, e.g. \'method = "trades" and metrics.test/pgd_accuracy > 0.4\', \'tag:baseline or star\'')
    .option('--sort <key>', 'sort key: a column, metrics.<key> or params.<key>; add :asc/:desc or prefix -', 'created:desc')
    .option('--columns <a,b>', `columns to show (any run field, param or metrics.<key>); default ${DEFAULT_COLUMNS.join(',')}`)
    .option('--kind <kind>', 'train, eval or corrupt (same as kind = K in the query)')
    .option('--status <status>', 'queued, running, finished, failed, cancelled, interrupted')
    .option('--archived', 'include archived runs')
    .option('--limit <n>', 'at most N runs', num('limit', true), 50)
    .option('--offset <n>', 'skip the first N', num('offset', true), 0)
    .action(async (o) => {
      const parts = [o.query, o.kind ? `kind = "${o.kind}"` : '', o.status ? `status = "${o.status}"` : ''].filter(Boolean);
      const query = parts.length > 1 ? parts.map((p: string) => `(${p})`).join(' and ') : (parts[0] ?? '');
      const columns: string[] | null = o.columns ? list(o.columns) : null;
      await withLab(g(), async (lab) => {
        const res = await lab.call('queryRuns', { query, sort: o.sort, limit: o.limit, offset: o.offset, includeArchived: !!o.archived });
        const cols = columns ?? DEFAULT_COLUMNS;
        out(
          g(),
          { total: res.total, runs: res.runs.map((r) => runJson(r, columns)) },
          () => {
            console.log(table(res.runs.map((r) => Object.fromEntries(cols.map((c) => [c, fmt(columnValue(r, c))]))), cols));
            if (res.total > res.runs.length) console.log(`(${res.runs.length} of ${res.total}; --limit/--offset for more)`);
          },
        );
      });
    });

  runs
    .command('show <run>')
    .description('show one run: spec, status, latest metrics, evaluations')
    .action(async (runId: string) => {
      await withLab(g(), async (lab) => {
        const d = await lab.call('getRun', { runId });
        const r = d.run;
        out(
          g(),
          { id: r.id, name: r.name, kind: r.kind, status: r.status, error: r.error, spec: r.spec, backend: r.backend, device: r.device, created_at: r.createdAt, started_at: r.startedAt, ended_at: r.endedAt, model_id: r.modelId, metrics: r.latestMetrics, tags: r.tags, note: r.note, metric_points: Object.fromEntries(Object.entries(d.metrics).map(([k, v]) => [k, v.length])), evaluations: d.evaluations.map((e) => evalJson(e)) },
          () => {
            console.log(`${r.name} (${r.id})`);
            console.log(`Kind ${r.kind}, status ${r.status}${r.error ? ` — ${r.error}` : ''}`);
            console.log(`Backend ${r.backend ?? '—'} (${r.device ?? '—'}); created ${r.createdAt}, ended ${r.endedAt ?? '—'}`);
            console.log(`Spec ${JSON.stringify(r.spec)}`);
            if (r.tags.length) console.log(`Tags ${r.tags.join(', ')}`);
            if (r.note) console.log(`Note\n${r.note}`);
            for (const [k, v] of Object.entries(r.latestMetrics)) console.log(`  ${k} = ${v}`);
            for (const e of d.evaluations) console.log(`  eval ${e.attack.name}: clean ${pct(e.cleanAccuracy)}, robust ${pct(e.robustAccuracy)} (${e.count} images)`);
          },
        );
      });
    });

  runs
    .command('group <by>')
    .description('group runs by a column or param (e.g. method), with counts and each group\'s best run')
    .option('--query <q>', 'only runs matching this query')
    .option('--metric <key>', 'metric for "best"', 'test/accuracy')
    .option('--archived', 'include archived runs')
    .action(async (by: string, o) => {
      await withLab(g(), async (lab) => {
        const res = await lab.call('groupRuns', { by, query: o.query ?? '', metric: o.metric, includeArchived: !!o.archived });
        out(
          g(),
          { by: res.by, metric: res.metric, groups: res.groups.map((x) => ({ value: x.value, count: x.count, best_run_id: x.best?.runId ?? null, best_run_name: x.best?.name ?? null, best_value: x.best?.value ?? null })) },
          table(
            res.groups.map((x) => ({ [res.by]: x.value ?? '(none)', runs: x.count, best: x.best ? `${x.best.name} (${fmt(x.best.value)})` : '—' })),
            [res.by, 'runs', 'best'],
          ),
        );
      });
    });

  const flag = (name: string, description: string, body: (ids: string[], rest: string[]) => Record<string, unknown>) =>
    runs
      .command(name)
      .description(description)
      .action(async (args: string[]) => {
        await withLab(g(), async (lab) => {
          const req = body(args, []);
          const res = await lab.call('setRunFlags', req as never);
          out(g(), { run_ids: res.runIds, ...req }, `${name.split(' ')[0]}: ${res.runIds.length} run${res.runIds.length === 1 ? '' : 's'}`);
        });
      });
  runs
    .command('tag <run> <tags...>')
    .description('add tags to a run (use "runs untag" to remove)')
    .action(async (run: string, tags: string[]) => {
      await withLab(g(), async (lab) => {
        await lab.call('setRunFlags', { runIds: [run], addTags: tags });
        const d = await lab.call('getRun', { runId: run });
        out(g(), { id: run, tags: d.run.tags }, `Tags of ${d.run.name}: ${d.run.tags.join(', ')}`);
      });
    });
  runs
    .command('untag <run> <tags...>')
    .description('remove tags from a run')
    .action(async (run: string, tags: string[]) => {
      await withLab(g(), async (lab) => {
        await lab.call('setRunFlags', { runIds: [run], removeTags: tags });
        const d = await lab.call('getRun', { runId: run });
        out(g(), { id: run, tags: d.run.tags }, `Tags of ${d.run.name}: ${d.run.tags.join(', ') || '(none)'}`);
      });
    });
  runs
    .command('note <run> [text]')
    .description('set a run\'s markdown note (text, or --file F; empty text clears it)')
    .option('--file <f>', 'read the note from a file')
    .action(async (run: string, text: string | undefined, o) => {
      const note = o.file ? fs.readFileSync(o.file, 'utf8') : (text ?? '');
      await withLab(g(), async (lab) => {
        const r = await lab.call('updateRun', { runId: run, note });
        out(g(), { id: r.id, note: r.note }, `Note of ${r.name} saved (${r.note.length} characters).`);
      });
    });
  runs
    .command('rename <run> <name>')
    .description('rename a run')
    .action(async (run: string, name: string) => {
      await withLab(g(), async (lab) => {
        const r = await lab.call('updateRun', { runId: run, name });
        out(g(), { id: r.id, name: r.name }, `Renamed to ${r.name}.`);
      });
    });
  flag('star <runs...>', 'star runs', (ids) => ({ runIds: ids, starred: true }));
  flag('unstar <runs...>', 'remove the star', (ids) => ({ runIds: ids, starred: false }));
  flag('archive <runs...>', 'archive runs (hidden from lists unless --archived or the query names archived)', (ids) => ({ runIds: ids, archived: true }));
  flag('unarchive <runs...>', 'bring archived runs back', (ids) => ({ runIds: ids, archived: false }));

  runs
    .command('delete <runs...>')
    .description('delete runs (restorable with "runs restore" for an hour; --purge removes at once); models or datasets something else uses are kept')
    .option('--purge', 'remove now, without undo')
    .action(async (ids: string[], o) => {
      await withLab(g(), async (lab) => {
        const res = await lab.call('deleteRuns', { runIds: ids, purge: !!o.purge });
        out(
          g(),
          { deleted: res.deleted, purged: res.purged, removed_models: res.removedModels, kept: res.kept },
          () => {
            console.log(`${res.purged ? 'Removed' : 'Deleted'} ${res.deleted.length} run${res.deleted.length === 1 ? '' : 's'}${res.purged ? '' : ' (undo: robustlab runs restore ' + res.deleted.join(' ') + ')'}.`);
            for (const k of res.kept) console.log(`  ${k.reason}`);
          },
        );
      });
    });
  runs
    .command('restore <runs...>')
    .description('undo a delete')
    .action(async (ids: string[]) => {
      await withLab(g(), async (lab) => {
        const res = await lab.call('restoreRuns', { runIds: ids });
        out(g(), { restored: res.runIds }, `Restored ${res.runIds.length} run${res.runIds.length === 1 ? '' : 's'}.`);
      });
    });

  runs
    .command('export <runs...>')
    .description('write runs (spec, params, metrics, evaluations, model weights, dataset recipes) to one archive file')
    .requiredOption('--out <file>', 'archive file to write (e.g. runs.robustlab.gz)')
    .option('--query <q>', 'also export every run matching this query')
    .option('--with-data', 'include the datasets\' image arrays')
    .action(async (ids: string[], o) => {
      await withLab(g(), async (lab) => {
        const all = [...ids];
        if (o.query) {
          const res = await lab.call('queryRuns', { query: o.query, limit: 10000 });
          all.push(...res.runs.map((r) => r.id));
        }
        const res = await lab.call('exportRuns', { runIds: [...new Set(all)], file: path.resolve(o.out), withData: !!o.withData });
        out(g(), { file: res.file, runs: res.runs, models: res.models, datasets: res.datasets, bytes: res.bytes, sha256: res.sha256 }, `Wrote ${res.runs} runs, ${res.models} models, ${res.datasets} datasets to ${res.file} (${res.bytes} bytes).`);
      });
    });
  runs
    .command('import <file>')
    .description('import a run archive (runs already here are skipped; a damaged archive changes nothing)')
    .action(async (file: string) => {
      await withLab(g(), async (lab) => {
        const res = await lab.call('importRuns', { file: path.resolve(file) });
        out(g(), { imported: res.imported, skipped: res.skipped, models: res.models, datasets: res.datasets }, `Imported ${res.imported.length} runs (${res.skipped.length} already here), ${res.models} models, ${res.datasets} datasets.`);
      });
    });
  runs
    .command('views')
    .description('list the saved views of the Runs and Compare pages')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const v = await lab.call('listViews', {});
        out(g(), { views: v.map((x) => ({ name: x.name, page: x.page, route: x.route, created_at: x.createdAt })) }, table(v.map((x) => ({ name: x.name, page: x.page, route: x.route })), ['name', 'page', 'route']));
      });
    });

  program
    .command('compare <runs...>')
    .description('compare 2–50 runs: params that differ, latest metrics, clean vs robust (Pareto front), effective robustness')
    .option('--metrics <a,b>', 'metric keys for curves and the table (default: all)')
    .option('--all-params', 'list every param, not only those that differ')
    .option('--clean-metric <key>', 'x of the scatter (default: detected)')
    .option('--robust-metric <key>', 'y of the scatter (default: detected)')
    .option('--reference <run>', 'reference run for differences')
    .option('--logit', 'effective-robustness fit on logit-scaled accuracies')
    .option('--report <file>', 'write the comparison as .html (self-contained) or .csv (long format)')
    .action(async (ids: string[], o) => {
      const metrics = o.metrics ? list(o.metrics) : undefined;
      const req = { runIds: ids, metrics, cleanMetric: o.cleanMetric, robustMetric: o.robustMetric, reference: o.reference, logitFit: !!o.logit };
      let format: 'csv' | 'html' | null = null;
      if (o.report) {
        const ext = path.extname(o.report).toLowerCase();
        if (ext !== '.html' && ext !== '.csv') throw new LabError('bad_input', `--report must end in .html or .csv, got "${o.report}".`);
        format = ext === '.csv' ? 'csv' : 'html';
      }
      await withLab(g(), async (lab) => {
        const c = await lab.call('compareRuns', req);
        let reportFile: string | null = null;
        if (format) {
          const f = await lab.call('exportComparison', { ...req, format });
          reportFile = path.resolve(o.report);
          fs.writeFileSync(reportFile, f.content);
        }
        const shownMetrics = metrics ? c.metrics.filter((m) => metrics.includes(m.key)) : c.metrics;
        out(g(), { ...comparisonJson({ ...c, metrics: shownMetrics }, !o.allParams), report_file: reportFile }, () => {
          const names = c.runs.map((r) => r.name);
          const rows = c.params.filter((p) => o.allParams || p.differs);
          console.log(rows.length ? table(rows.map((p) => ({ param: p.key, ...Object.fromEntries(p.values.map((v, i) => [names[i], v === undefined ? '(missing)' : JSON.stringify(v)])) })), ['param', ...names]) : 'Every param is the same.');
          console.log('');
          console.log(table(shownMetrics.map((m) => ({ metric: m.key, ...Object.fromEntries(m.values.map((v, i) => [names[i], fmt(v)])) })), ['metric', ...names]));
          const front = c.scatter.points.filter((p) => p.onFront).map((p) => names[c.runs.findIndex((r) => r.id === p.runId)]);
          if (front.length) console.log(`\nPareto front (${c.scatter.cleanMetric} vs ${c.scatter.robustMetric}): ${front.join(', ')}`);
          if (reportFile) console.log(`Report: ${reportFile}`);
        });
      });
    });
}

function fmt(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number(v.toPrecision(4)).toString();
  return String(v);
}
