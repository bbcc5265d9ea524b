/**
 * `robustlab evaluations list|export`.
 * Registered by src/cli/index.ts.
 */
import type { Command } from 'commander';
import { pct, writeExport, type CliHelpers, type GlobalOpts } from '../helpers';

export function addEvaluationsCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out, table } = h;
  const evaluations = program.command('evaluations').description('list and export evaluations');
  evaluations
    .command('list')
    .description('list evaluations, newest first')
    .option('--model <id>', 'only the evaluations of this model')
    .action(async (o) => {
      await withLab(g(), async (lab) => {
        const list = await lab.call('listEvaluations', { modelId: o.model });
        out(
          g(),
          { evaluations: list.map((e) => ({ id: e.id, run_id: e.runId, model_id: e.modelId, dataset_id: e.datasetId, split: e.split, attack: e.attack.name, count: e.count, clean_accuracy: e.cleanAccuracy, robust_accuracy: e.robustAccuracy, created_at: e.createdAt })) },
          table(
            list.map((e) => ({ id: e.id, model: e.modelId, attack: e.attack.name, count: e.count, clean: pct(e.cleanAccuracy), robust: pct(e.robustAccuracy), created: e.createdAt.replace('T', ' ').slice(0, 19) })),
            ['id', 'model', 'attack', 'count', 'clean', 'robust', 'created'],
          ),
        );
      });
    });
  evaluations
    .command('export <evaluation>')
    .description('write an evaluation as a self-contained HTML report or a CSV table')
    .option('--format <format>', 'html or csv (default: from the file extension, else html)')
    .requiredOption('--out <file>', 'the file to write')
    .action(async (id: string, o) => {
      await withLab(g(), async (lab) => {
        const r = await writeExport(lab, id, o.out, o.format);
        out(g(), { evaluation_id: id, format: r.format, file: r.file }, `Wrote ${r.format.toUpperCase()} report of ${id} to ${r.file}`);
      });
    });
}
