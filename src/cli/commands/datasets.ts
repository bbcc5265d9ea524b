/**
 * `robustlab datasets list|import`.
 * Registered by src/cli/index.ts.
 */
import type { Command } from 'commander';
import { type CliHelpers, type GlobalOpts } from '../helpers';
import { addImportFileOptions, importFiles } from './byo';

export function addDatasetsCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out, table } = h;
  const datasets = program.command('datasets').description('list and import datasets');
  datasets
    .command('list')
    .description('list the datasets in the lab')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const list = await lab.call('listDatasets', {});
        out(
          g(),
          { datasets: list.map((d) => ({ id: d.id, name: d.name, source: d.source, shape: [d.height, d.width, d.channels], num_classes: d.numClasses, train_count: d.splits.train?.count ?? 0, test_count: d.splits.test?.count ?? 0 })) },
          table(
            list.map((d) => ({ id: d.id, name: d.name, source: d.source, size: `${d.height}x${d.width}x${d.channels}`, classes: d.numClasses, train: d.splits.train?.count ?? 0, test: d.splits.test?.count ?? 0 })),
            ['id', 'name', 'source', 'size', 'classes', 'train', 'test'],
          ),
        );
      });
    });
  addImportFileOptions(datasets
    .command('import')
    .description('import a dataset from files')
    .requiredOption('--format <format>', 'file format: idx, folder, cifar, npz or npy')
    .requiredOption('--name <name>', 'name of the new dataset')
    .option('--train-images <file>', 'IDX images file for the train split (raw or .gz)')
    .option('--train-labels <file>', 'IDX labels file for the train split')
    .option('--test-images <file>', 'IDX images file for the test split')
    .option('--test-labels <file>', 'IDX labels file for the test split')
    .option('--class-names <names>', 'comma-separated class names'))
    .action(async (o) => {
      await withLab(g(), async (lab) => {
        if (o.format !== 'idx') return importFiles(lab, o, g(), h);
        const d = await lab.call('importDataset', {
          format: o.format,
          name: o.name,
          trainImages: o.trainImages,
          trainLabels: o.trainLabels,
          testImages: o.testImages,
          testLabels: o.testLabels,
          classNames: o.classNames ? String(o.classNames).split(',').map((s: string) => s.trim()) : undefined,
          // --num-classes (added with the import file options) confirms an unusual class count.
          numClasses: o.numClasses as number | undefined,
        });
        out(
          g(),
          { id: d.id, name: d.name, height: d.height, width: d.width, channels: d.channels, num_classes: d.numClasses, train_count: d.splits.train?.count ?? 0, test_count: d.splits.test?.count ?? 0 },
          `Imported dataset "${d.name}" (${d.id}): ${d.height}x${d.width}x${d.channels}, ${d.numClasses} classes, train ${d.splits.train?.count ?? 0}, test ${d.splits.test?.count ?? 0}.`,
        );
      });
    });
}
