/**
 * Bring your own: `datasets import --format folder|cifar|npz|npy` (the import form for files
 * other than IDX, run as a job), `datasets export`, `datasets preview`, `architectures
 * add|list|show|rename|dependents|delete` (alias `archs`), `models match` and `models bundle`. Registered by src/cli/index.ts with one line;
 * `datasets import` (src/cli/commands/datasets.ts) hands every format but idx to importFiles.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { LabError } from '../../shared/errors';
import { DATASET_EXPORT_FORMATS, type ArchitectureDetail } from '../../shared/byo';
import type { Lab } from '../../core/service';
import { type CliHelpers, type GlobalOpts } from '../helpers';

function size(v: string): [number, number] {
  const m = /^(\d+)x(\d+)$/i.exec(v.trim());
  if (!m) throw new LabError('bad_input', `--size takes HxW, e.g. 32x32; got "${v}".`);
  return [Number(m[1]), Number(m[2])];
}

/** The options `datasets import` takes for the formats handled here. */
export function addImportFileOptions(cmd: Command): Command {
  return cmd
    .option('--dir <dir>', 'folder: class folders, or train/ and test/ holding class folders; cifar: the folder of .bin batches')
    .option('--file <file>', 'npz: the .npz file with x_train, y_train, x_test, y_test')
    .option('--size <HxW>', 'folder: resize and centre-crop every image to H×W (default: keep; all images must then agree)')
    .option('--grey', 'folder: one channel')
    .option('--colour', 'folder: three channels (default: colour when any image is)')
    .option('--train-fraction <f>', 'folder with class folders only: share of each class put in a train split (seeded)', parseFloat)
    .option('--seed <n>', 'seed of the train fraction split', (v) => parseInt(v, 10))
    .option('--skip-unreadable', 'folder: leave out images that cannot be decoded (they are listed)')
    .option('--layout <nhwc|nchw>', 'npz/npy: the images\' layout when their shape allows both')
    .option('--num-classes <n>', 'the number of classes, when the labels do not show it', (v) => parseInt(v, 10))
    .option('--confirm-classes', 'accept an unusual class count inferred from the labels');
}

/** `datasets import` for folder, cifar, npz and npy: a job, followed to its end. */
export async function importFiles(lab: Lab, o: Record<string, unknown>, g: GlobalOpts, h: CliHelpers<GlobalOpts>): Promise<void> {
  const format = String(o.format);
  if (o.grey && o.colour) throw new LabError('bad_input', 'Give --grey or --colour, not both.');
  const run = await lab.call('submitImport', {
    kind: 'import',
    format: format as 'folder',
    name: String(o.name),
    path: (format === 'npz' ? o.file : o.dir) as string | undefined,
    trainImages: o.trainImages as string | undefined,
    trainLabels: o.trainLabels as string | undefined,
    testImages: o.testImages as string | undefined,
    testLabels: o.testLabels as string | undefined,
    size: o.size ? size(String(o.size)) : undefined,
    colour: o.grey ? 'grey' : o.colour ? 'colour' : 'auto',
    trainFraction: o.trainFraction as number | undefined,
    seed: (o.seed as number | undefined) ?? 0,
    skipUnreadable: !!o.skipUnreadable,
    layout: o.layout as 'nhwc' | undefined,
    classNames: o.classNames ? String(o.classNames).split(',').map((s) => s.trim()) : undefined,
    numClasses: o.numClasses as number | undefined,
    confirmClasses: o.confirmClasses ? true : undefined,
  });
  const end = await h.follow(lab, run, g);
  if (end.status !== 'finished') {
    throw new LabError(end.error?.includes('ancel') ? 'cancelled' : 'bad_input', end.error ?? `The import ended ${end.status}.`);
  }
  const d = (await lab.call('listDatasets', {})).find((x) => x.name === String(o.name))!;
  const detail = await lab.call('getRun', { runId: run.id });
  const metric = (k: string) => detail.metrics[k]?.at(-1)?.value ?? null;
  h.out(
    g,
    {
      id: d.id,
      name: d.name,
      format,
      height: d.height,
      width: d.width,
      channels: d.channels,
      num_classes: d.numClasses,
      class_names: d.classNames,
      train_count: d.splits.train?.count ?? 0,
      test_count: d.splits.test?.count ?? 0,
      skipped_images: metric('skipped_images'),
      images_per_s: metric('images_per_s'),
      run_id: run.id,
    },
    `Imported dataset "${d.name}" (${d.id}): ${d.height}x${d.width}x${d.channels}, ${d.numClasses} classes, train ${d.splits.train?.count ?? 0}, test ${d.splits.test?.count ?? 0}.`,
  );
}

function archHuman(a: ArchitectureDetail): string {
  const lines = [`${a.name} — ${a.title}${a.builtin ? ' (built-in)' : ''}`, a.description];
  if (a.summary) {
    lines.push('', 'layer  type  output  params  FLOPs');
    for (const r of a.summary.layers) lines.push(`${r.path}  ${r.type}  ${r.outShape.join('×')}  ${r.params}  ${r.flops}`);
    lines.push(`total: ${a.summary.params.toLocaleString('en-US')} parameters, ${a.summary.flops?.toLocaleString('en-US') ?? '—'} FLOPs per image`);
  }
  if (a.pytorch) lines.push('', a.pytorch);
  return lines.join('\n');
}

function archJson(a: ArchitectureDetail): Record<string, unknown> {
  return { name: a.name, title: a.title, description: a.description, builtin: a.builtin, spec: a.spec, summary: a.summary, pytorch: a.pytorch, created_at: a.createdAt };
}

export function addByoCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out, table } = h;
  const datasets = program.commands.find((c) => c.name() === 'datasets') ?? program.command('datasets');
  datasets
    .command('export <dataset>')
    .description('write a dataset (corrupted ones too) as an image folder tree, an .npz or CIFAR binary batches')
    .requiredOption('--format <format>', `one of ${DATASET_EXPORT_FORMATS.join(', ')}`)
    .requiredOption('--out <path>', 'folder (folder, cifar; new or empty) or .npz file (new)')
    .action(async (dataset: string, o) => {
      await withLab(g(), async (lab) => {
        const r = await lab.call('exportDataset', { dataset, format: o.format, out: o.out });
        out(g(), { dataset_id: r.datasetId, format: r.format, out: r.out, files: r.files, images: r.images }, `Wrote ${r.images} images of ${dataset} as ${r.format} to ${r.out}.`);
      });
    });
  addImportFileOptions(
    datasets
      .command('preview')
      .description('what an import would give (format, size, classes, counts), without writing anything')
      .requiredOption('--format <format>', 'folder, cifar, npz or npy'),
  ).action(async (o) => {
    await withLab(g(), async (lab) => {
      const p = await lab.call('previewDatasetImport', {
        format: o.format,
        path: o.format === 'npz' ? o.file : o.dir,
        size: o.size ? size(String(o.size)) : undefined,
        colour: o.grey ? 'grey' : o.colour ? 'colour' : 'auto',
        trainFraction: o.trainFraction,
        layout: o.layout,
        perClass: 1,
      });
      out(
        g(),
        { detected: p.detected, height: p.height, width: p.width, channels: p.channels, num_classes: p.numClasses, class_names: p.classNames, counts: p.counts, classes: p.classes.map((c) => ({ label: c.label, name: c.name, train: c.train, test: c.test })), unreadable: p.unreadable, notes: p.notes },
        () => {
          process.stdout.write(`${p.detected}: ${p.height}x${p.width}x${p.channels}, ${p.numClasses} classes, train ${p.counts.train}, test ${p.counts.test}\n`);
          process.stdout.write(`${table(p.classes.map((c) => ({ label: c.label, name: c.name, train: c.train, test: c.test })), ['label', 'name', 'train', 'test'])}\n`);
          for (const n of p.notes) process.stdout.write(`note: ${n}\n`);
          for (const u of p.unreadable) process.stdout.write(`unreadable: ${u.file} (${u.reason})\n`);
        },
      );
    });
  });

  const archs = program.command('architectures').alias('archs').description('the architectures: built-in ones and layer lists stored in the lab');
  archs
    .command('list')
    .description('list every architecture')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const list = await lab.call('listArchitectures', {});
        const details = await Promise.all(list.map((a) => lab.call('getArchitecture', { name: a.name })));
        out(
          g(),
          { architectures: details.map((a, i) => ({ name: a.name, title: a.title, builtin: a.builtin, certifiable: list[i]!.certifiable, params: a.summary?.params ?? null, flops: a.summary?.flops ?? null, input: a.spec?.input ?? null })) },
          table(
            details.map((a, i) => ({ name: a.name, kind: a.builtin ? 'built-in' : 'layer list', certifiable: list[i]!.certifiable ? 'yes' : 'no', params: a.summary?.params ?? '', input: a.spec ? a.spec.input.join('x') : 'any' })),
            ['name', 'kind', 'certifiable', 'params', 'input'],
          ),
        );
      });
    });
  archs
    .command('add')
    .description('store a layer-list architecture from a JSON file, usable by name in train --arch, models import --arch, …')
    .requiredOption('--file <file>', 'the layer-list JSON')
    .option('--name <name>', 'store it under this name instead of the file\'s "name"')
    .action(async (o) => {
      const file = path.resolve(String(o.file));
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        throw new LabError('not_found', `Architecture file "${o.file}" cannot be read; check the path.`);
      }
      if (text.length > 1_000_000) throw new LabError('bad_input', `Architecture file "${o.file}" is larger than 1 MB; a layer list is a short JSON file.`);
      await withLab(g(), async (lab) => {
        const a = await lab.call('addArchitecture', { spec: text, name: o.name });
        out(g(), archJson(a), `Stored architecture "${a.name}": ${a.summary!.layers.length} layers, ${a.summary!.params.toLocaleString('en-US')} parameters, ${a.summary!.flops!.toLocaleString('en-US')} FLOPs per image.`);
      });
    });
  archs
    .command('show <name>')
    .description('one architecture: layers, output shapes, parameters, FLOPs and a PyTorch snippet')
    .action(async (name: string) => {
      await withLab(g(), async (lab) => {
        const a = await lab.call('getArchitecture', { name });
        out(g(), archJson(a), archHuman(a));
      });
    });

  archs
    .command('rename <name> <new-name>')
    .description('rename a stored layer-list architecture; its models, signatures and training runs follow the new name')
    .action(async (name: string, newName: string) => {
      await withLab(g(), async (lab) => {
        const a = await lab.call('renameArchitecture', { name, newName });
        out(g(), { renamed: name, name: a.name }, `Renamed architecture "${name}" to "${a.name}".`);
      });
    });
  archs
    .command('dependents <name>')
    .description('the models of an architecture, and whether a rename or delete would be refused now')
    .action(async (name: string) => {
      await withLab(g(), async (lab) => {
        const u = await lab.call('architectureUses', { name });
        const lines = [
          u.models.length ? u.models.map((m) => `model ${m.name} (${m.id})`).join('\n') : `No model uses "${u.name}".`,
          ...(u.renameRefusal ? [`rename: refused: ${u.renameRefusal}`] : []),
          ...(u.deleteRefusal && u.deleteRefusal !== u.renameRefusal ? [`delete: refused: ${u.deleteRefusal}`] : []),
        ];
        out(g(), { name: u.name, builtin: u.builtin, models: u.models, rename_refusal: u.renameRefusal, delete_refusal: u.deleteRefusal }, lines.join('\n'));
      });
    });
  archs
    .command('delete <name>')
    .description('delete a stored layer-list architecture that no model uses (`architectures add` with its JSON brings it back)')
    .action(async (name: string) => {
      await withLab(g(), async (lab) => {
        const r = await lab.call('deleteArchitecture', { name });
        out(g(), { deleted: r.name, spec: r.spec }, `Deleted architecture "${r.name}".`);
      });
    });

  const models = program.commands.find((c) => c.name() === 'models') ?? program.command('models');
  models
    .command('match')
    .description('which architectures a safetensors file fits (else the first mismatch of each)')
    .requiredOption('--file <file>', 'the .safetensors file')
    .action(async (o) => {
      await withLab(g(), async (lab) => {
        const p = await lab.call('proposeArchitecture', { file: o.file });
        out(g(), { matches: p.matches.map((m) => ({ name: m.name, input_shape: m.input, num_classes: m.numClasses })), mismatches: p.mismatches, tensors: p.tensors }, () => {
          process.stdout.write(p.matches.length ? `matches: ${p.matches.map((m) => `${m.name} (${m.input.join('x')}, ${m.numClasses} classes)`).join(', ')}\n` : 'no architecture matches this file\n');
          for (const m of p.mismatches) process.stdout.write(`  ${m.name}: ${m.reason}\n`);
        });
      });
    });
  models
    .command('export <model>')
    .description('write a model as safetensors (PyTorch names) plus its layer-list JSON and a PyTorch snippet')
    .requiredOption('--out <dir>', 'folder to write into (created)')
    .action(async (model: string, o) => {
      await withLab(g(), async (lab) => {
        const w = await lab.call('exportModelWeights', { model });
        const b = await lab.call('modelBundle', { model });
        const dir = path.resolve(String(o.out));
        fs.mkdirSync(dir, { recursive: true });
        const name = w.filename.replace(/\.safetensors$/, '');
        const files = [w.filename];
        fs.writeFileSync(path.join(dir, w.filename), Buffer.from(w.content, w.encoding === 'base64' ? 'base64' : 'utf8'));
        if (b.layerList) {
          fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(b.layerList, null, 1)}\n`);
          fs.writeFileSync(path.join(dir, `${name}.py`), b.pytorch!.replace(/load_file\("[^"]*"\)/, `load_file(${JSON.stringify(w.filename)})`));
          files.push(`${name}.json`, `${name}.py`);
        }
        out(g(), { model_id: b.modelId, arch: b.arch, out: dir, files, params: b.summary?.params ?? null, flops: b.summary?.flops ?? null }, `Wrote ${files.join(', ')} to ${dir}.`);
      });
    });
  models
    .command('summary <model>')
    .description("a model's layers, output shapes, parameter count and FLOPs per image")
    .action(async (model: string) => {
      await withLab(g(), async (lab) => {
        const b = await lab.call('modelBundle', { model });
        const s = b.summary!;
        out(g(), { model_id: b.modelId, arch: b.arch, input_shape: s.input, num_classes: s.numClasses, layers: s.layers, params: s.params, flops: s.flops }, () => {
          process.stdout.write(`${table(s.layers.map((r) => ({ layer: r.path, type: r.type, output: r.outShape.join('×'), params: r.params, flops: r.flops })), ['layer', 'type', 'output', 'params', 'flops'])}\n`);
          process.stdout.write(`total: ${s.params.toLocaleString('en-US')} parameters, ${s.flops?.toLocaleString('en-US') ?? '—'} FLOPs per image\n`);
        });
      });
    });
}
