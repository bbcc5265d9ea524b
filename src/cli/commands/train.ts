/**
 * `robustlab train`: train a model (or resume a run) and wait for it.
 * Registered by src/cli/index.ts.
 */
import type { Command } from 'commander';
import { METRIC } from '../../shared/constants';
import { LabError } from '../../shared/errors';
import { architectureNames, certifyNames, methodNames, orList } from '../registry-help';
import { pct, type CliHelpers, type GlobalOpts } from '../helpers';

export function addTrainCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, follow, out, num } = h;
  program
    .command('train')
    .description('train a model and wait for it to finish')
    .option('--dataset <name>', 'dataset name or id (required unless --resume)')
    .option('--arch <arch>', `architecture: ${architectureNames().join(', ')} (required unless --resume)`)
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
    .option('--method <name>', `training method: ${methodNames().join(', ')}`, 'erm')
    .option('--param <k=v...>', 'method parameter (repeatable), e.g. --param eps=0.1 --param steps=10')
    .option('--name <name>', 'run (and model) name')
    .option('--val-fraction <f>', 'hold out this fraction of the training images for validation (0–0.5)', num('val-fraction'))
    .option('--warmup-epochs <n>', 'linear learning-rate warm-up over the first N epochs', num('warmup-epochs'))
    .option('--monitor-count <n>', 'every epoch, PGD (and certified) accuracy on the first N test/validation images', num('monitor-count', true))
    .option('--monitor-eps <x>', 'radius of the per-epoch robust metrics (default: the method’s eps, else 0.1)', num('monitor-eps'))
    .option('--monitor-pgd-steps <n>', 'PGD steps of the per-epoch robust accuracy (0 = none)', num('monitor-pgd-steps', true))
    .option('--monitor-certify <m>', `per-epoch certified accuracy: ${orList(['none', ...certifyNames()])} (default: ibp for certified training)`)
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
        let spec: Record<string, unknown> | null = null;
        if (!o.resume) {
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
        // Resuming keeps the original run's settings (the facade reads them); only --epochs and --name may change.
        const run = spec
          ? await lab.call('submitTrain', spec as never)
          : await lab.call('resumeTrain', { runId: String(o.resume), name: o.name, epochs: cmd.getOptionValueSource('epochs') === 'cli' ? o.epochs : undefined });
        if (!g().json) process.stderr.write(`Training run ${run.id} (${run.name}) queued.\n`);
        const done = await follow(lab, run, g());
        const m = done.latestMetrics;
        const model = done.modelId ? ((await lab.call('listModels', {})).find((m) => m.id === done.modelId) ?? null) : null;
        const json = {
          id: done.id,
          name: done.name,
          status: done.status,
          error: done.error,
          model_id: done.modelId,
          model_name: model?.name ?? null,
          method: (done.spec as { method?: string }).method ?? null,
          test_accuracy: m[METRIC.keptTestAccuracy] ?? m[METRIC.testAccuracy] ?? null,
          test_loss: m[METRIC.keptTestLoss] ?? m[METRIC.testLoss] ?? null,
          train_accuracy: m[METRIC.trainAccuracy] ?? null,
          train_loss: m[METRIC.trainEpochLoss] ?? null,
          train_adv_accuracy: m[METRIC.trainAdvAccuracy] ?? null,
          test_pgd_accuracy: m[METRIC.testPgdAccuracy] ?? null,
          test_certified_accuracy: m[METRIC.testCertifiedAccuracy] ?? null,
          val_accuracy: m[METRIC.valAccuracy] ?? null,
          best_epoch: m[METRIC.bestEpoch] ?? null,
          stopped_epoch: m[METRIC.earlyStopEpoch] ?? null,
          seconds: m[METRIC.trainSeconds] ?? null,
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
}
