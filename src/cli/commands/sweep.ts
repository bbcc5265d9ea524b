/**
 * `robustlab sweep`: run a base spec over axes as one group of runs and wait for it;
 * `robustlab sweeps list|show|pause|resume|cancel`. Registered by src/cli/index.ts.
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { LabError } from '../../shared/errors';
import type { SweepDetail } from '../../shared/sweeps';
import type { Lab } from '../../core/service';
import { pct, type CliHelpers, type GlobalOpts } from '../helpers';

function readJson(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new LabError('not_found', `Cannot read ${what} "${file}"; give the path of a JSON file.`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new LabError('bad_input', `${what} "${file}" is not valid JSON.`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new LabError('bad_input', `${what} "${file}" must hold one JSON object (a job spec).`);
  const o = v as Record<string, unknown>;
  // `runs show RUN --json` prints the run with its spec under "spec": take that as is.
  if (!('kind' in o) && o.spec && typeof o.spec === 'object') return o.spec as Record<string, unknown>;
  return o;
}

function sweepJson(d: SweepDetail): Record<string, unknown> {
  const best = d.best === null ? null : d.rows[d.best]!;
  return {
    id: d.id,
    name: d.name,
    kind: d.kind,
    status: d.status,
    members: d.members,
    max_parallel: d.maxParallel,
    counts: d.counts,
    progress: d.progress,
    metric: d.metric,
    order: d.order,
    best: best && d.metric ? { index: best.index, values: best.values, run_id: best.runId, eval_run_id: best.evalRunId, value: best.metrics[d.metric] } : null,
    run_ids: d.runIds,
    rows: d.rows.map((r) => ({
      index: r.index,
      values: r.values,
      run_id: r.runId,
      status: r.status,
      eval_run_id: r.evalRunId,
      eval_status: r.evalStatus,
      metrics: r.metrics,
    })),
  };
}

function sweepTable(d: SweepDetail, table: CliHelpers<GlobalOpts>['table']): string {
  const fmt = (v: number | undefined) => (v === undefined ? '—' : d.metric && /accuracy/.test(d.metric) ? pct(v) : String(Number(v.toPrecision(4))));
  const rows = d.rows.map((r) => ({
    '#': r.index + 1 + (r.index === d.best ? ' *' : ''),
    values: Object.entries(r.values)
      .map(([k, v]) => `${k}=${v}`)
      .join(' '),
    status: r.status,
    run: r.runId ?? '',
    [d.metric ?? 'metric']: fmt(d.metric ? r.metrics[d.metric] : undefined),
  }));
  const head = `Sweep ${d.name} (${d.id}): ${d.status}, ${d.members} members — ${d.counts.finished} finished, ${d.counts.failed} failed, ${d.counts.running} running, ${d.counts.queued + d.counts.pending} waiting.`;
  const best = d.best !== null && d.metric ? `\nBest by ${d.metric} (${d.order}): member ${d.best + 1} (* above).` : '';
  return `${head}\n${table(rows, ['#', 'values', 'status', 'run', d.metric ?? 'metric'])}${best}`;
}

export function addSweepCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out, num, table } = h;
  program
    .command('sweep')
    .description('run a base spec over axes (a grid or a random search) as one group of runs, and wait for it')
    .requiredOption('--spec <file>', 'base job spec as JSON (a run’s stored spec; `runs show RUN --json` output works too)')
    .option('--axis <path=values...>', 'repeatable: path=v1,v2 | path=a..b (whole numbers) | path=lin:lo..hi:N | path=log:lo..hi:N, e.g. --axis optimizer.lr=0.01,0.05 --axis seed=0..2')
    .option('--random <n>', 'random search: N samples instead of the grid (ranges without :N are sampled)', num('random', true))
    .option('--random-seed <n>', 'seed of the random search', num('random-seed', true), 0)
    .option('--then-eval <file>', 'evaluate each trained model with this eval spec (JSON; its model is filled in)')
    .option('--max-parallel <n>', 'members running at once', num('max-parallel', true), 1)
    .option('--name <name>', 'the sweep’s name (members are named after it and their values)')
    .option('--metric <key>', 'rank members by this metric (default: robust/clean accuracy of the chained eval, else test accuracy)')
    .option('--dry-run', 'only check the sweep and print its plan (members, runs, time estimate)')
    .action(async (o) => {
      const axes = (o.axis as string[] | undefined) ?? [];
      if (!axes.length) throw new LabError('bad_input', 'Give at least one --axis path=values (e.g. --axis seed=0..2).');
      const req = {
        name: o.name as string | undefined,
        base: readJson(o.spec, 'Spec file'),
        axes,
        mode: o.random ? ('random' as const) : ('grid' as const),
        samples: o.random as number | undefined,
        seed: o.randomSeed as number,
        thenEval: o.thenEval ? readJson(o.thenEval, 'Eval spec file') : undefined,
        maxParallel: o.maxParallel as number,
      };
      await withLab(g(), async (lab) => {
        if (o.dryRun) {
          const plan = await lab.call('planSweep', req);
          out(
            g(),
            { kind: plan.kind, mode: plan.mode, members: plan.members, runs: plan.runs, preview: plan.preview, estimate_seconds: plan.estimateSeconds, estimate_basis: plan.estimateBasis },
            `${plan.members} members, ${plan.runs} runs. ${plan.estimateSeconds === null ? '' : `About ${Math.ceil(plan.estimateSeconds)} s. `}${plan.estimateBasis}`,
          );
          return;
        }
        const started = await lab.call('submitSweep', req);
        const done = await followSweep(lab, started);
        const detail = await lab.call('getSweep', { sweepId: done.id, metric: o.metric });
        out(g(), sweepJson(detail), sweepTable(detail, table));
      });
    });

  const sweeps = program.command('sweeps').description('list, inspect and control sweeps');
  sweeps
    .command('list')
    .description('sweeps, newest first, with their progress')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const list = await lab.call('listSweeps', {});
        out(
          g(),
          { sweeps: list.map((s) => ({ id: s.id, name: s.name, kind: s.kind, status: s.status, members: s.members, counts: s.counts, progress: s.progress, created_at: s.createdAt })) },
          table(
            list.map((s) => ({ id: s.id, name: s.name, kind: s.kind, status: s.status, members: s.members, done: `${Math.round(s.progress * 100)} %`, failed: s.counts.failed })),
            ['id', 'name', 'kind', 'status', 'members', 'done', 'failed'],
          ),
        );
      });
    });
  sweeps
    .command('show <sweep>')
    .description('one sweep: members, their values, status and metric; the best member')
    .option('--metric <key>', 'rank members by this metric')
    .option('--order <o>', 'max or min is best (default: min for losses and errors)')
    .action(async (id: string, o) => {
      await withLab(g(), async (lab) => {
        const d = await lab.call('getSweep', { sweepId: id, metric: o.metric, order: o.order });
        out(g(), sweepJson(d), sweepTable(d, table));
      });
    });
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    sweeps
      .command(`${action} <sweep>`)
      .description(action === 'pause' ? 'start no new members (running ones finish)' : action === 'resume' ? 'start members again' : 'cancel the running members and start no more')
      .action(async (id: string) => {
        await withLab(g(), async (lab) => {
          const d = await lab.call('controlSweep', { sweepId: id, action });
          out(g(), sweepJson(d), `Sweep ${d.name}: ${d.status}.`);
        });
      });
  }
}

/** Prints the sweep's progress to stderr as members end; Ctrl-C cancels the sweep. */
async function followSweep(lab: Lab, d: SweepDetail): Promise<SweepDetail> {
  const runs = new Set(d.runIds);
  let last = '';
  const report = async () => {
    const s = await lab.call('getSweep', { sweepId: d.id });
    for (const id of s.runIds) runs.add(id);
    const line = `sweep ${s.id}: ${s.counts.finished + s.counts.failed + s.counts.cancelled + s.counts.interrupted}/${s.members} ended (${s.counts.failed} failed), ${s.counts.running} running`;
    if (line !== last) process.stderr.write(`${line}\n`);
    last = line;
  };
  const off = lab.onEvent((e) => {
    if (e.type === 'run' && e.status !== 'queued' && e.status !== 'running') void report().catch(() => {});
  });
  const onSigint = () => {
    process.stderr.write('Cancelling the sweep…\n');
    void lab.call('controlSweep', { sweepId: d.id, action: 'cancel' }).catch(() => {});
  };
  process.on('SIGINT', onSigint);
  try {
    return await lab.waitForSweep(d.id);
  } finally {
    process.off('SIGINT', onSigint);
    off();
  }
}
