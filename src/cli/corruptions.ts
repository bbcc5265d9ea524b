/**
 * CLI commands of the corruption studio: `corruptions list`, `corrupt`, and the benchmark output
 * of `eval --benchmark corruptions`. Registered by src/cli/index.ts with its shared helpers.
 */
import type { Command } from 'commander';
import { LabError } from '../shared/errors';
import type { CorruptSpecInput, DatasetInfo, EvaluationInfo, RecipeInput, RunInfo } from '../shared/schemas';
import { readRecipeFile } from '../core/corruptions/recipe-file';
import { pct, type CliHelpers } from './helpers';

export type { CliHelpers };

function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** A recipe file, read with the core's bounded reader (regular file, at most 1 MiB, no file text in messages). */
function readRecipe(file: string): RecipeInput {
  return readRecipeFile(file);
}

function datasetJson(d: DatasetInfo | null) {
  if (!d) return { dataset_id: null, dataset_name: null };
  const r = (d.recipe ?? {}) as { report?: Record<string, { count: number; sourceCount: number; labelNoiseRate: number | null; poisoned: number | null; classCounts: number[] }> };
  return {
    dataset_id: d.id,
    dataset_name: d.name,
    parent_id: d.parentId,
    splits: Object.fromEntries(
      Object.entries(r.report ?? {}).map(([k, v]) => [
        k,
        { count: v.count, source_count: v.sourceCount, label_noise_rate: v.labelNoiseRate, poisoned: v.poisoned, class_counts: v.classCounts },
      ]),
    ),
    recipe: d.recipe,
  };
}

/** The benchmark's numbers for `eval --json` (empty for other evaluations). */
export function benchmarkJson(ev: EvaluationInfo | undefined): Record<string, unknown> {
  const d = ev?.details as Record<string, unknown> | undefined;
  if (!d || d.benchmark !== 'corruptions') return {};
  const names = d.corruptions as string[];
  const acc = d.accuracy as number[][];
  const ce = d.ce as (number | null)[];
  const rel = d.relativeCe as (number | null)[];
  return {
    benchmark: 'corruptions',
    severities: d.severities,
    mean_corruption_accuracy: d.meanCorruptionAccuracy,
    mce: d.mCE,
    relative_mce: d.relativeMCE,
    baseline_model_id: (d.baseline as { modelId?: string } | null)?.modelId ?? null,
    corruptions: names.map((name, i) => ({ name, accuracy: acc[i], ce: ce[i], relative_ce: rel[i] })),
  };
}

/** Human summary of a benchmark evaluation. */
export function printBenchmark(ev: EvaluationInfo): void {
  const b = benchmarkJson(ev) as {
    severities?: number[];
    mean_corruption_accuracy?: number;
    mce?: number | null;
    relative_mce?: number | null;
    corruptions?: { name: string; accuracy: number[]; ce: number | null; relative_ce: number | null }[];
  };
  if (!b.corruptions) return;
  console.log(`Mean accuracy under corruptions ${pct(b.mean_corruption_accuracy)}; mCE ${b.mce == null ? '— (no baseline)' : pct(b.mce)}, relative mCE ${b.relative_mce == null ? '—' : pct(b.relative_mce)}`);
  const head = ['corruption'.padEnd(22), ...(b.severities ?? []).map((s) => `s${s}`.padStart(8)), 'CE'.padStart(9)].join('');
  console.log(head);
  for (const c of b.corruptions) {
    console.log([c.name.padEnd(22), ...c.accuracy.map((a) => `${(a * 100).toFixed(1)}%`.padStart(8)), (c.ce == null ? '—' : `${(c.ce * 100).toFixed(1)}%`).padStart(9)].join(''));
  }
}

export function addCorruptionCommands<G extends { json?: boolean }>(program: Command, h: CliHelpers<G>): void {
  const corruptions = program.command('corruptions').description('the image, label and data corruptions');
  corruptions
    .command('list')
    .description('list every corruption: name, family, severities and parameters')
    .action(async () => {
      await h.withLab(h.g(), async (lab) => {
        const list = await lab.call('listCorruptions', {});
        h.out(
          h.g(),
          {
            corruptions: list.map((c) => ({
              name: c.name,
              title: c.title,
              family: c.family,
              suite: c.suite,
              target: c.target,
              severities: c.severities,
              default_severity: c.defaultSeverity,
              colour_only: c.colourOnly,
              needs: c.needs ?? null,
              description: c.description,
              params: c.params,
            })),
          },
          h.table(
            list.map((c) => ({ name: c.name, family: c.family, suite: c.suite, severities: c.severities.length ? `1-5 (default ${c.defaultSeverity})` : '—', params: c.params.map((p) => p.key).join(', ') })),
            ['name', 'family', 'suite', 'severities', 'params'],
          ),
        );
      });
    });

  program
    .command('corrupt')
    .description('write a new dataset: an existing one corrupted by a recipe (or one corruption), and wait')
    .option('--dataset <name>', 'the dataset to corrupt (name or id)')
    .option('--recipe <file>', 'recipe JSON: {"steps": [{"corruption", "severity", "params"}], "seed"}')
    .option('--corruption <name>', 'one corruption instead of a recipe (see `robustlab corruptions list`)')
    .option('--severity <s>', 'severity 1-5 of --corruption (default: its default severity)', h.num('severity', true))
    .option('--param <k=v>', 'parameter of --corruption (repeatable)', collect)
    .option('--seed <n>', 'random seed (default: the recipe\'s, else 0)', h.num('seed', true))
    .option('--name <name>', 'name of the new dataset')
    .option('--split <split>', 'only this split: train or test (repeatable; default: every split)', collect)
    .option('--regenerate <dataset>', 'run the stored recipe of a corrupted dataset again (bit-identical copy)')
    .action(async (o) => {
      await h.withLab(h.g(), async (lab) => {
        let run: RunInfo;
        if (o.regenerate) {
          run = await lab.call('regenerateDataset', { dataset: o.regenerate, name: o.name });
        } else {
          if (!o.dataset) throw new LabError('bad_input', 'Give --dataset, the dataset to corrupt.');
          if (!!o.recipe === !!o.corruption) throw new LabError('bad_input', 'Give either --recipe FILE or --corruption NAME (with --severity), not both or neither.');
          let recipe: RecipeInput;
          if (o.recipe) {
            recipe = readRecipe(o.recipe);
          } else {
            const params: Record<string, string> = {};
            for (const kv of (o.param as string[] | undefined) ?? []) {
              const i = kv.indexOf('=');
              if (i < 1) throw new LabError('bad_input', `--param must look like key=value, got "${kv}".`);
              params[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
            }
            recipe = { steps: [{ corruption: o.corruption, severity: o.severity, params }] };
          }
          const spec: CorruptSpecInput = { kind: 'corrupt', dataset: o.dataset, recipe, name: o.name, seed: o.seed, splits: o.split };
          run = await lab.call('submitCorrupt', spec);
        }
        if (!h.g().json) process.stderr.write(`Corrupt run ${run.id} queued: new dataset "${run.name}".\n`);
        const done = await h.follow(lab, run, h.g());
        const ds = done.status === 'finished' ? (await lab.call('listDatasets', {})).find((d) => d.name === done.name) ?? null : null;
        const m = done.latestMetrics;
        const json = {
          id: done.id,
          status: done.status,
          error: done.error,
          ...datasetJson(ds),
          images: m.images ?? null,
          seconds: m['time/seconds'] ?? null,
          images_per_s: m.images_per_s ?? null,
        };
        h.out(h.g(), json, () => {
          console.log(`Run ${done.id}: ${done.status}${done.error ? ` — ${done.error}` : ''}`);
          if (ds) {
            console.log(`Dataset "${ds.name}" (${ds.id}) from "${ds.parentId}": train ${ds.splits.train?.count ?? 0}, test ${ds.splits.test?.count ?? 0} images`);
            const splits = (json as { splits?: Record<string, { label_noise_rate: number | null; poisoned: number | null }> }).splits ?? {};
            for (const [k, v] of Object.entries(splits)) {
              if (v.label_noise_rate != null) console.log(`  ${k}: label noise rate ${pct(v.label_noise_rate)}`);
              if (v.poisoned != null) console.log(`  ${k}: ${v.poisoned} poisoned images`);
            }
            if (json.images_per_s) console.log(`${json.images} images in ${(json.seconds as number).toFixed(1)} s (${Math.round(json.images_per_s as number)} images/s)`);
          }
        });
        if (done.status !== 'finished') process.exitCode = 1;
      });
    });
}

