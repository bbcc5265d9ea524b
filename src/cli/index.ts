/**
 * `robustlab`: the command line over the same Lab facade as the app. Every command takes
 * --lab DIR and --json; with --json the last line of stdout is one JSON object, errors exit
 * non-zero with one line on stderr. Each command group lives in its own file (src/cli/commands/,
 * src/cli/corruptions.ts) as `addXCommands(program, helpers)`; this file only assembles them.
 */
import { Command, CommanderError, Option } from 'commander';
import { LabError } from '../shared/errors';
import { LAB_VERSION } from '../core/service';
import { addCorruptionCommands } from './corruptions';
import { evalJson } from './eval-json';
import { follow, num, out, pct, table, withLab, type CliHelpers, type GlobalOpts } from './helpers';
import { addDoctorCommands } from './commands/doctor';
import { addDatasetsCommands } from './commands/datasets';
import { addModelsCommands } from './commands/models';
import { addTrainCommands } from './commands/train';
import { addEvalCommands } from './commands/eval';
import { addEvaluationsCommands } from './commands/evaluations';
import { addMethodsCommands } from './commands/methods';
import { addWebCommands } from './commands/web';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('robustlab')
    .description('Robustness Lab: train, attack and evaluate image classifiers, offline.')
    .version(LAB_VERSION)
    .addOption(new Option('--lab <dir>', 'lab folder (default: $ROBUSTLAB_HOME, else the app-data folder)'))
    .addOption(new Option('--json', 'print one JSON object as the last line of stdout'))
    .addOption(new Option('--backend <name>', 'force a compute backend: tensorflow-gpu, tensorflow, wasm, cpu'))
    .showHelpAfterError(false)
    .exitOverride();
  const g = (): GlobalOpts => program.opts<GlobalOpts>();

  const helpers: CliHelpers<GlobalOpts> = { g, withLab, follow, out, table, num };

  addDoctorCommands(program, helpers);
  addDatasetsCommands(program, helpers);
  addModelsCommands(program, helpers);
  addTrainCommands(program, helpers);
  addEvalCommands(program, helpers);
  addEvaluationsCommands(program, helpers);
  addCorruptionCommands(program, helpers);
  addMethodsCommands(program, helpers);

  const runs = program.command('runs').description('list and inspect runs');
  runs
    .command('list')
    .description('list runs, newest first')
    .option('--kind <kind>', 'train, eval or corrupt')
    .option('--status <status>', 'queued, running, finished, failed, cancelled, interrupted')
    .option('--limit <n>', 'at most N runs', num('limit', true), 50)
    .action(async (o) => {
      await withLab(g(), async (lab) => {
        const list = await lab.call('listRuns', { kind: o.kind, status: o.status, limit: o.limit });
        out(
          g(),
          { runs: list.map((r) => ({ id: r.id, name: r.name, kind: r.kind, status: r.status, created_at: r.createdAt, model_id: r.modelId, dataset_id: r.datasetId, metrics: r.latestMetrics, tags: r.tags })) },
          table(
            list.map((r) => ({
              id: r.id,
              name: r.name,
              kind: r.kind,
              status: r.status,
              created: r.createdAt.replace('T', ' ').slice(0, 19),
              result:
                r.kind === 'train'
                  ? `test acc ${pct(r.latestMetrics['test/accuracy'])}`
                  : r.kind === 'corrupt'
                    ? `${r.latestMetrics.images ?? '—'} images corrupted`
                    : `clean ${pct(r.latestMetrics.clean_accuracy)} robust ${pct(r.latestMetrics.robust_accuracy)}`,
            })),
            ['id', 'name', 'kind', 'status', 'created', 'result'],
          ),
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
            for (const [k, v] of Object.entries(r.latestMetrics)) console.log(`  ${k} = ${v}`);
            for (const e of d.evaluations) console.log(`  eval ${e.attack.name}: clean ${pct(e.cleanAccuracy)}, robust ${pct(e.robustAccuracy)} (${e.count} images)`);
          },
        );
      });
    });
  addWebCommands(program, helpers);

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return err.exitCode || 2;
    }
    const e = LabError.from(err);
    process.stderr.write(`robustlab: ${e.message.split('\n')[0]}\n`);
    if (e.code === 'internal' && process.env.ROBUSTLAB_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return e.code === 'bad_input' ? 2 : 1;
  }
}

