/**
 * `robustlab models list|import`.
 * Registered by src/cli/index.ts.
 */
import type { Command } from 'commander';
import { LabError } from '../../shared/errors';
import { architectureNames } from '../registry-help';
import { type CliHelpers, type GlobalOpts } from '../helpers';

export function addModelsCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out, table } = h;
  const models = program.command('models').description('list and import models');
  models
    .command('list')
    .description('list the models in the lab')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const list = await lab.call('listModels', {});
        out(
          g(),
          { models: list.map((m) => ({ id: m.id, name: m.name, arch: m.arch, input_shape: m.inputShape, num_classes: m.numClasses, param_count: m.paramCount, source: m.source, run_id: m.runId, sha256: m.sha256 })) },
          table(
            list.map((m) => ({ id: m.id, name: m.name, arch: m.arch, input: m.inputShape.join('x'), classes: m.numClasses, params: m.paramCount, source: m.source })),
            ['id', 'name', 'arch', 'input', 'classes', 'params', 'source'],
          ),
        );
      });
    });
  models
    .command('import')
    .description('import model weights')
    .requiredOption('--format <format>', 'weights format: safetensors')
    .requiredOption('--arch <arch>', `architecture: ${architectureNames().join(', ')}`)
    .requiredOption('--file <file>', 'the weights file (PyTorch names and layouts)')
    .requiredOption('--name <name>', 'name of the model in the lab')
    .option('--input-shape <HxWxC>', 'input height x width x channels (default: from the weights, else 28x28x1)')
    .option('--dataset <name>', 'the dataset the model is for (fixes the input shape)')
    .action(async (o) => {
      await withLab(g(), async (lab) => {
        let inputShape: [number, number, number] | undefined;
        if (o.inputShape) {
          const parts = String(o.inputShape).split(/[x,]/).map(Number);
          if (parts.length !== 3 || parts.some((p) => !Number.isInteger(p) || p < 1)) {
            throw new LabError('bad_input', `--input-shape must look like 28x28x1, got "${o.inputShape}".`);
          }
          inputShape = parts as [number, number, number];
        }
        const datasetId = o.dataset ? (await lab.call('listDatasets', {})).find((d) => d.name === o.dataset || d.id === o.dataset)?.id : undefined;
        if (o.dataset && !datasetId) throw new LabError('not_found', `No dataset "${o.dataset}" in this lab.`);
        const m = await lab.call('importModel', { format: o.format, arch: o.arch, file: o.file, name: o.name, inputShape, datasetId });
        out(
          g(),
          { id: m.id, name: m.name, arch: m.arch, input_shape: m.inputShape, num_classes: m.numClasses, param_count: m.paramCount, sha256: m.sha256 },
          `Imported model "${m.name}" (${m.id}): ${m.arch}, input ${m.inputShape.join('x')}, ${m.numClasses} classes, ${m.paramCount} parameters.`,
        );
      });
    });
}
