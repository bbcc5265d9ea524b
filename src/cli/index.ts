/**
 * `robustlab`: the command line over the same Lab facade as the app. Every command takes
 * --lab DIR and --json; with --json the last line of stdout is one JSON object, errors exit
 * non-zero with one line on stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { LabError } from '../shared/errors';
import type { EvaluationInfo, EvaluationReport, LabEvent, ProgressEvent, RunInfo } from '../shared/schemas';
import { Lab, LAB_VERSION, resolveLabDir } from '../core/service';
import { schemaVersion } from '../core/store/db';
import { addCorruptionCommands, benchmarkJson, printBenchmark } from './corruptions';

interface GlobalOpts {
  lab?: string;
  json?: boolean;
  backend?: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function out(opts: GlobalOpts, json: Record<string, unknown>, human: string | (() => void)): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else if (typeof human === 'function') {
    human();
  } else {
    process.stdout.write(`${human}\n`);
  }
}

function pct(x: number | null | undefined): string {
  return x == null || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(2)} %`;
}

function table(rows: Record<string, unknown>[], cols: string[]): string {
  if (!rows.length) return '(none)';
  const cells = rows.map((r) => cols.map((c) => String(r[c] ?? '')));
  const widths = cols.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i].length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i])).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

async function withLab<T>(g: GlobalOpts, fn: (lab: Lab) => Promise<T>): Promise<T> {
  const lab = await Lab.open({ labDir: resolveLabDir({ lab: g.lab }), mode: 'cli', backend: g.backend });
  try {
    return await fn(lab);
  } finally {
    await lab.close();
  }
}

function num(name: string, integer = false) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      throw new LabError('bad_input', `--${name} must be ${integer ? 'a whole number' : 'a number'}, got "${v}".`);
    }
    return n;
  };
}

function bool(name: string) {
  return (v: string): boolean => {
    if (['true', '1', 'yes', 'on'].includes(v.toLowerCase())) return true;
    if (['false', '0', 'no', 'off'].includes(v.toLowerCase())) return false;
    throw new LabError('bad_input', `--${name} must be true or false, got "${v}".`);
  };
}

/** Follows a run to its end, printing progress to stderr; Ctrl-C cancels it. */
async function follow(lab: Lab, run: RunInfo, g: GlobalOpts): Promise<RunInfo> {
  let last = 0;
  const off = lab.onEvent((e: LabEvent) => {
    if (e.runId !== run.id) return;
    if (e.type === 'progress') {
      const now = Date.now();
      if (now - last < 1000 && e.fraction < 1) return;
      last = now;
      process.stderr.write(`${progressLine(e)}\n`);
    } else if (e.type === 'run' && e.status !== 'queued') {
      process.stderr.write(`run ${run.id}: ${e.status}${e.error ? ` — ${e.error}` : ''}\n`);
    }
  });
  const onSigint = () => {
    process.stderr.write('Cancelling…\n');
    try {
      lab.queue.cancel(run.id);
    } catch {
      // already over
    }
  };
  process.on('SIGINT', onSigint);
  try {
    return await lab.waitForRun(run.id);
  } finally {
    process.off('SIGINT', onSigint);
    off();
    void g;
  }
}

function progressLine(e: ProgressEvent): string {
  const parts = [`${(e.fraction * 100).toFixed(0).padStart(3)}%`];
  if (e.epochs) parts.push(`epoch ${e.epoch}/${e.epochs}`);
  if (e.steps) parts.push(`step ${e.step}/${e.steps}`);
  if (e.loss != null) parts.push(`loss ${e.loss.toFixed(4)}`);
  if (e.accuracy != null) parts.push(`acc ${(e.accuracy * 100).toFixed(1)}%`);
  if (e.imagesPerSec) parts.push(`${Math.round(e.imagesPerSec)} img/s`);
  if (e.etaSeconds != null) parts.push(`ETA ${Math.ceil(e.etaSeconds)} s`);
  if (e.message) parts.push(e.message);
  return parts.join('  ');
}

/** With certification: certified_accuracy and the summary of the per-point margin lower bounds. */
function certifiedJson(ev: EvaluationInfo | undefined) {
  const c = ev?.details.certified as { method: string; eps: number; perPointMarginLowerBound: Record<string, number> } | undefined;
  if (!ev || !c) return {};
  return { certified_accuracy: ev.robustAccuracy, certify: c.method, eps: c.eps, margin_lower_bound: c.perPointMarginLowerBound };
}

function evalJson(ev: EvaluationInfo | undefined) {
  if (!ev) return {};
  const perClass = (ev.details.perClass as { label: number; name: string; count: number; cleanAccuracy: number | null; robustAccuracy: number | null }[]) ?? [];
  const r = ev.details as Partial<EvaluationReport>;
  return {
    evaluation_id: ev.id,
    clean_accuracy: ev.cleanAccuracy,
    robust_accuracy: ev.robustAccuracy,
    count: ev.count,
    attack: ev.attack.name,
    attack_params: ev.attack.params,
    per_class: perClass.map((p) => ({ label: p.label, name: p.name, count: p.count, clean_accuracy: p.cleanAccuracy, robust_accuracy: p.robustAccuracy })),
    seconds: ev.details.seconds,
    ...(r.version === 1 ? reportJson(r as EvaluationReport) : {}),
  };
}

/** The report's extra numbers for --json (see README: eval). */
function reportJson(r: EvaluationReport) {
  return {
    norm: r.attack.norm,
    eps: r.attack.eps,
    worst_class: r.worstClass.clean ? { name: r.worstClass.clean.name, accuracy: r.worstClass.clean.accuracy } : null,
    worst_class_robust: r.worstClass.robust ? { name: r.worstClass.robust.name, accuracy: r.worstClass.robust.accuracy } : null,
    ece_clean: r.calibration.clean.ece,
    ece_adversarial: r.calibration.adversarial?.ece ?? null,
    eps_curve: r.epsCurve ? r.epsCurve.points.map((p) => ({ eps: p.eps, robust_accuracy: p.robustAccuracy })) : null,
    median_perturbation: r.minimal?.median ?? null,
    target_success_rate: r.targeted?.successRate ?? null,
    breakdown: r.stages
      ? r.stages.map((s) => ({ attack: s.name, ran: s.ran, broke: s.broke, robust_accuracy_after: s.robustAccuracyAfter, seconds: s.seconds, grad_evals_per_point: s.gradEvalsPerPoint, queries_per_point: s.queriesPerPoint, skipped: s.skipped ?? null }))
      : null,
    grad_evals_per_point: r.cost.gradEvalsPerPoint,
    queries_per_point: r.cost.queriesPerPoint,
    attack_seconds: r.cost.attackSeconds,
    warnings: r.checks.warnings.map((w) => ({ code: w.code, message: w.message })),
  };
}

/** --param k=v (repeatable) into a record. */
function keyValues(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    if (i < 1) throw new LabError('bad_input', `--param must look like key=value, got "${kv}".`);
    out[kv.slice(0, i).trim()] = kv.slice(i + 1).trim();
  }
  return out;
}

/** "0.1,0.2,0.3" into numbers. */
function numberList(name: string) {
  return (v: string): number[] => {
    const parts = v.split(',').map((s) => s.trim()).filter(Boolean);
    const nums = parts.map(Number);
    if (!parts.length || nums.some((x) => !Number.isFinite(x))) throw new LabError('bad_input', `--${name} must be numbers separated by commas (e.g. 0.05,0.1,0.2), got "${v}".`);
    return nums;
  };
}

/** Writes an evaluation's CSV or HTML export to a file; the format follows the extension unless given. */
async function writeExport(lab: Lab, evaluationId: string, file: string, format?: string): Promise<{ file: string; format: 'csv' | 'html' }> {
  const fmt = (format ?? (file.toLowerCase().endsWith('.csv') ? 'csv' : 'html')).toLowerCase();
  if (fmt !== 'csv' && fmt !== 'html') throw new LabError('bad_input', `--format must be csv or html, got "${format}".`);
  const exp = await lab.call('exportEvaluation', { evaluationId, format: fmt });
  const target = path.resolve(file);
  fs.writeFileSync(target, exp.content, 'utf8');
  return { file: target, format: fmt };
}

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

  program
    .command('doctor')
    .description('show the compute backend, the lab folder and what works on this machine')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const st = await lab.call('status', {});
        const sqlite = (lab.store.db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
        const electronPath = (() => {
          try {
            const p = path.join(repoRoot, 'node_modules', 'electron', 'path.txt');
            const rel = fs.existsSync(p) ? fs.readFileSync(p, 'utf8').trim() : '';
            return rel && fs.existsSync(path.join(repoRoot, 'node_modules', 'electron', 'dist', rel)) ? 'installed' : 'not downloaded';
          } catch {
            return 'not downloaded';
          }
        })();
        const json = {
          version: st.version,
          backend: st.backend.name,
          backend_package: st.backend.package,
          device: st.backend.device,
          tfjs_version: st.backend.tfjsVersion,
          fallbacks: st.backend.fallbacks,
          lab_dir: st.labDir,
          node_version: process.version,
          sqlite_version: sqlite,
          schema_version: schemaVersion(lab.store.db),
          electron_binary: electronPath,
        };
        out(g(), json, () => {
          console.log(`Robustness Lab ${st.version}`);
          console.log(`Backend:   ${st.backend.name} (${st.backend.package}) — ${st.backend.device}`);
          for (const f of st.backend.fallbacks) console.log(`  note: ${f}`);
          console.log(`tfjs:      ${st.backend.tfjsVersion}`);
          console.log(`Lab:       ${st.labDir} (schema ${json.schema_version}, SQLite ${sqlite})`);
          console.log(`Node:      ${process.version}`);
          console.log(`Electron:  ${electronPath}`);
        });
      });
    });

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
  datasets
    .command('import')
    .description('import a dataset from files')
    .requiredOption('--format <format>', 'file format: idx')
    .requiredOption('--name <name>', 'name of the new dataset')
    .option('--train-images <file>', 'IDX images file for the train split (raw or .gz)')
    .option('--train-labels <file>', 'IDX labels file for the train split')
    .option('--test-images <file>', 'IDX images file for the test split')
    .option('--test-labels <file>', 'IDX labels file for the test split')
    .option('--class-names <names>', 'comma-separated class names')
    .action(async (o) => {
      await withLab(g(), async (lab) => {
        const d = await lab.call('importDataset', {
          format: o.format,
          name: o.name,
          trainImages: o.trainImages,
          trainLabels: o.trainLabels,
          testImages: o.testImages,
          testLabels: o.testLabels,
          classNames: o.classNames ? String(o.classNames).split(',').map((s: string) => s.trim()) : undefined,
        });
        out(
          g(),
          { id: d.id, name: d.name, height: d.height, width: d.width, channels: d.channels, num_classes: d.numClasses, train_count: d.splits.train?.count ?? 0, test_count: d.splits.test?.count ?? 0 },
          `Imported dataset "${d.name}" (${d.id}): ${d.height}x${d.width}x${d.channels}, ${d.numClasses} classes, train ${d.splits.train?.count ?? 0}, test ${d.splits.test?.count ?? 0}.`,
        );
      });
    });

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
    .requiredOption('--arch <arch>', 'architecture: mlp, mnist-cnn, cnn-bn, resnet')
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

  program
    .command('train')
    .description('train a model and wait for it to finish')
    .option('--dataset <name>', 'dataset name or id (required unless --resume)')
    .option('--arch <arch>', 'architecture: mlp, mnist-cnn, cnn-bn, resnet (required unless --resume)')
    .option('--epochs <n>', 'passes over the training set', num('epochs', true), 1)
    .option('--batch-size <n>', 'images per step', num('batch-size', true), 64)
    .option('--lr <x>', 'learning rate', num('lr'), 0.05)
    .option('--optimizer <name>', 'sgd or adam', 'sgd')
    .option('--momentum <x>', 'SGD momentum', num('momentum'), 0.9)
    .option('--weight-decay <x>', 'L2 weight decay', num('weight-decay'), 0)
    .option('--schedule <name>', 'learning-rate schedule: constant, step, cosine', 'constant')
    .option('--seed <n>', 'random seed', num('seed', true), 0)
    .option('--limit <k>', 'only the first K training examples', num('limit', true))
    .option('--test-limit <k>', 'only the first K test examples for the per-epoch test accuracy', num('test-limit', true))
    .option('--method <name>', 'training method: erm, pgd-at, fgsm-rs, trades, mart, awp, avmixup, dafa, sam, asam, ibp, crown-ibp, cc-ibp, gce, sce, nce-rce, nce-mae, poly, logit-clip, label-smoothing, bootstrap, group-dro, mixup, vat', 'erm')
    .option('--param <k=v...>', 'method parameter (repeatable), e.g. --param eps=0.1 --param steps=10')
    .option('--name <name>', 'run (and model) name')
    .option('--val-fraction <f>', 'hold out this fraction of the training images for validation (0–0.5)', num('val-fraction'))
    .option('--warmup-epochs <n>', 'linear learning-rate warm-up over the first N epochs', num('warmup-epochs'))
    .option('--monitor-count <n>', 'every epoch, PGD (and certified) accuracy on the first N test/validation images', num('monitor-count', true))
    .option('--monitor-eps <x>', 'radius of the per-epoch robust metrics (default: the method’s eps, else 0.1)', num('monitor-eps'))
    .option('--monitor-pgd-steps <n>', 'PGD steps of the per-epoch robust accuracy (0 = none)', num('monitor-pgd-steps', true))
    .option('--monitor-certify <m>', 'per-epoch certified accuracy: none, ibp or crown (default: ibp for certified training)')
    .option('--early-stop <metric>', 'stop when this stops improving: clean, robust, certified or loss')
    .option('--patience <n>', 'epochs without improvement before early stopping', num('patience', true))
    .option('--min-delta <x>', 'smallest improvement that counts for early stopping', num('min-delta'))
    .option('--keep-best <metric>', 'keep the epoch with the best clean, robust or certified accuracy (default: last)')
    .option('--init-model <id|name>', 'start from this model’s weights (fine-tuning)')
    .option('--resume <run>', 'continue this run from its last checkpoint (its settings; --epochs may extend it)')
    .action(async (o, cmd: Command) => {
      await withLab(g(), async (lab) => {
        const methodParams: Record<string, string> = {};
        for (const kv of (o.param as string[] | undefined) ?? []) {
          const i = kv.indexOf('=');
          if (i < 1) throw new LabError('bad_input', `--param must look like key=value, got "${kv}".`);
          methodParams[kv.slice(0, i)] = kv.slice(i + 1);
        }
        let spec: Record<string, unknown>;
        if (o.resume) {
          // The original run's spec, so every setting matches; only --epochs (and --name) may change.
          const from = lab.store.getRun(String(o.resume));
          if (from.kind !== 'train') throw new LabError('bad_input', `Run "${from.name}" is not a training run; only training runs can be resumed.`);
          const { name: _n, ...old } = from.spec as Record<string, unknown>;
          spec = { ...old, name: o.name, resumeFrom: from.id, ...(cmd.getOptionValueSource('epochs') === 'cli' ? { epochs: o.epochs } : {}) };
        } else {
          if (!o.dataset || !o.arch) throw new LabError('bad_input', 'Give --dataset and --arch (or --resume RUN to continue a run).');
          const monitorSet = ['monitorCount', 'monitorEps', 'monitorPgdSteps', 'monitorCertify'].some((k) => o[k] !== undefined);
          spec = {
            kind: 'train',
            name: o.name,
            dataset: o.dataset,
            arch: o.arch,
            method: o.method,
            methodParams,
            epochs: o.epochs,
            batchSize: o.batchSize,
            optimizer: { name: o.optimizer, lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay },
            schedule: { name: o.schedule } as never,
            seed: o.seed,
            limit: o.limit,
            testLimit: o.testLimit,
            valFraction: o.valFraction,
            warmupEpochs: o.warmupEpochs,
            initModel: o.initModel,
            keepBest: o.keepBest,
            monitor: monitorSet ? { count: o.monitorCount, eps: o.monitorEps, pgdSteps: o.monitorPgdSteps, certify: o.monitorCertify } : undefined,
            earlyStopping: o.earlyStop || o.patience !== undefined ? { metric: o.earlyStop, patience: o.patience, minDelta: o.minDelta } : undefined,
          };
        }
        const run = await lab.call('submitTrain', spec as never);
        if (!g().json) process.stderr.write(`Training run ${run.id} (${run.name}) queued.\n`);
        const done = await follow(lab, run, g());
        const m = done.latestMetrics;
        const model = done.modelId ? lab.store.getModel(done.modelId) : null;
        const json = {
          id: done.id,
          name: done.name,
          status: done.status,
          error: done.error,
          model_id: done.modelId,
          model_name: model?.name ?? null,
          method: (done.spec as { method?: string }).method ?? null,
          test_accuracy: m['kept/test_accuracy'] ?? m['test/accuracy'] ?? null,
          test_loss: m['kept/test_loss'] ?? m['test/loss'] ?? null,
          train_accuracy: m['train/accuracy'] ?? null,
          train_loss: m['train/epoch_loss'] ?? null,
          train_adv_accuracy: m['train/adv_accuracy'] ?? null,
          test_pgd_accuracy: m['test/pgd_accuracy'] ?? null,
          test_certified_accuracy: m['test/certified_accuracy'] ?? null,
          val_accuracy: m['val/accuracy'] ?? null,
          best_epoch: m['best/epoch'] ?? null,
          stopped_epoch: m['early_stop/epoch'] ?? null,
          seconds: m['time/train_seconds'] ?? null,
          backend: done.backend,
        };
        out(g(), json, () => {
          console.log(`Run ${done.id}: ${done.status}${done.error ? ` — ${done.error}` : ''}`);
          if (model) console.log(`Model ${model.id} ("${model.name}")`);
          console.log(`Train accuracy ${pct(json.train_accuracy)}, test accuracy ${pct(json.test_accuracy)}`);
        });
        if (done.status !== 'finished') process.exitCode = 1;
      });
    });

  program
    .command('eval')
    .description('evaluate a model: clean accuracy, and robust accuracy under an attack')
    .requiredOption('--model <id|name>', 'model id or name')
    .requiredOption('--dataset <name>', 'dataset name or id')
    .option('--split <split>', 'train or test', 'test')
    .option('--attack <name>', 'none, fgsm, pgd, pgd-l2, apgd-ce, apgd-dlr, apgd-t, square, deepfool, cw-l2, md, pgd-min or autoattack', 'none')
    .option('--eps <x>', 'largest change per pixel (0–1)', num('eps'))
    .option('--step-size <x>', 'PGD step size (0 = 2.5·eps/steps)', num('step-size'))
    .option('--steps <n>', 'PGD steps', num('steps', true))
    .option('--restarts <n>', 'PGD restarts', num('restarts', true))
    .option('--random-start <bool>', 'PGD random start: true or false', bool('random-start'))
    .option('--param <k=v...>', 'any other attack parameter, e.g. --param norm=l2 --param targeted=true (repeatable)')
    .option('--eps-grid <list>', 'also robust accuracy at each of these eps, e.g. 0.05,0.1,0.2 (a robustness curve)', numberList('eps-grid'))
    .option('--gallery <n>', 'example images kept for the report', num('gallery', true))
    .option('--check-unbounded', 'gradient-masking check: PGD with eps = 1 must bring accuracy to chance')
    .option('--check-blackbox', 'gradient-masking check: the Square attack on the points the attack left robust')
    .option('--no-masking-checks', 'skip the cheap gradient-masking checks (output and gradient checks)')
    .option('--report <file>', 'write the report when done: .html (self-contained) or .csv')
    .option('--limit <k>', 'only the first K examples', num('limit', true))
    .option('--batch-size <n>', 'images per batch', num('batch-size', true), 200)
    .option('--seed <n>', 'random seed', num('seed', true), 0)
    .option('--name <name>', 'run name')
    .option('--benchmark <kind>', 'corruptions: accuracy under every corruption and severity, mCE and relative mCE')
    .option('--baseline <id|name>', 'benchmark: the model that normalises the corruption errors (CE)')
    .option('--corruptions <list>', 'benchmark: corruptions, comma-separated (default: the 15 ImageNet-C ones)')
    .option('--severities <list>', 'benchmark: severities, comma-separated (default: 1,2,3,4,5)', numberList('severities'))
    .option('--certify <method>', 'certified accuracy at --eps instead of an attack: ibp (fast) or crown (tighter, slower)')
    .action(async (o) => {
      await withLab(g(), async (lab) => {
        const params: Record<string, number | boolean | string> = { ...keyValues(o.param as string[] | undefined) };
        if (o.eps !== undefined && !o.certify) params.eps = o.eps;
        if (o.stepSize !== undefined) params.stepSize = o.stepSize;
        if (o.steps !== undefined) params.steps = o.steps;
        if (o.restarts !== undefined) params.restarts = o.restarts;
        if (o.randomStart !== undefined) params.randomStart = o.randomStart;
        const run = await lab.call('submitEval', {
          kind: 'eval',
          name: o.name,
          model: o.model,
          dataset: o.dataset,
          split: o.split,
          attack: { name: o.attack, params },
          limit: o.limit,
          batchSize: o.batchSize,
          seed: o.seed,
          ...(o.benchmark ? { benchmark: o.benchmark, baselineModel: o.baseline, severities: o.severities, corruptions: o.corruptions ? String(o.corruptions).split(',').map((c: string) => c.trim()).filter(Boolean) : undefined } : {}),
          epsGrid: o.epsGrid,
          gallery: o.gallery,
          checks: { masking: o.maskingChecks !== false, unbounded: !!o.checkUnbounded, blackBox: !!o.checkBlackbox },
          ...(o.certify ? { certify: o.certify, eps: o.eps } : {}),
        });
        if (!g().json) process.stderr.write(`Evaluation run ${run.id} queued.\n`);
        const done = await follow(lab, run, g());
        const ev = lab.store.listEvaluations({ runId: done.id })[0];
        const report = ev && o.report ? await writeExport(lab, ev.id, o.report) : null;
        const json = { id: done.id, status: done.status, error: done.error, model_id: done.modelId, ...evalJson(ev), ...benchmarkJson(ev), ...certifiedJson(ev), ...(report ? { report_file: report.file } : {}) };
        out(g(), json, () => {
          console.log(`Run ${done.id}: ${done.status}${done.error ? ` — ${done.error}` : ''}`);
          if (ev) {
            console.log(`Clean accuracy ${pct(ev.cleanAccuracy)} on ${ev.count} images`);
            if (ev.details.benchmark === 'corruptions') printBenchmark(ev);
            const cert = ev.details.certified as { method: string; eps: number; perPointMarginLowerBound: { median: number } } | undefined;
            if (cert) console.log(`Certified accuracy (${cert.method.toUpperCase()}, eps ${cert.eps}): ${pct(ev.robustAccuracy)}; median margin lower bound ${cert.perPointMarginLowerBound.median.toPrecision(3)}`);
            else if (ev.robustAccuracy != null) console.log(`Robust accuracy under ${ev.attack.name} ${JSON.stringify(ev.attack.params)}: ${pct(ev.robustAccuracy)}`);
            const r = ev.details as Partial<EvaluationReport>;
            for (const s of r.stages ?? []) console.log(`  after ${s.name.padEnd(9)} ${pct(s.robustAccuracyAfter)}  (broke ${s.broke} of ${s.ran}${s.skipped ? `; skipped: ${s.skipped}` : ''})`);
            if (r.minimal?.median != null) console.log(`Median smallest breaking change (${r.minimal.norm}): ${r.minimal.median.toPrecision(3)}`);
            for (const p of r.epsCurve?.source === 'grid' ? r.epsCurve.points : []) console.log(`  eps ${p.eps}: robust accuracy ${pct(p.robustAccuracy)}`);
            for (const w of r.checks?.warnings ?? []) console.log(`Warning (${w.code}): ${w.message}`);
            if (report) console.log(`Report written to ${report.file}`);
          }
        });
        if (done.status !== 'finished') process.exitCode = 1;
      });
    });

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

  addCorruptionCommands(program, { g, withLab, follow, out, table, num });

  const methods = program.command('methods').description('training methods');
  methods
    .command('list')
    .description('list the training methods with their parameters (for --method and --param)')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const list = await lab.call('listMethods', {});
        out(
          g(),
          { methods: list.map((m) => ({ name: m.name, title: m.title, description: m.description, params: m.params.map((p) => ({ key: p.key, type: p.type, default: p.default, min: p.min ?? null, max: p.max ?? null, options: p.options?.map((o) => o.value) ?? null, help: p.help })) })) },
          () => {
            for (const m of list) {
              console.log(`${m.name} — ${m.title}`);
              for (const p of m.params) console.log(`    ${p.key}=${String(p.default)}  ${p.help}`);
            }
          },
        );
      });
    });

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

  program
    .command('web')
    .description('serve the lab UI and API on 127.0.0.1 with an access token')
    .option('--port <n>', 'port (0 = any free port)', num('port', true), 0)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (o) => {
      const staticDir = path.join(repoRoot, 'out', 'renderer');
      if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
        throw new LabError('not_found', `The UI is not built (${staticDir} has no index.html); run \`npm run build\` first.`);
      }
      const { startServer } = await import('../server/server');
      const lab = await Lab.open({ labDir: resolveLabDir({ lab: g().lab }), mode: 'web', backend: g().backend });
      const server = await startServer({ lab, staticDir, host: o.host, port: o.port });
      out(g(), { url: server.url, port: server.port, token: server.token, lab_dir: lab.labDir }, () => {
        console.log(`Robustness Lab is running in web mode. Open this address (it contains the access token):`);
        console.log(`  ${server.url}`);
        console.log(`Lab folder: ${lab.labDir}. Press Ctrl-C to stop.`);
      });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await lab.close();
    });

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

