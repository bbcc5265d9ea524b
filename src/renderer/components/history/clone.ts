/**
 * Clone a run: the Train form's fields from a stored training spec (the inverse of the form's
 * buildSpec), so `#/train?clone=<run>` opens the form pre-filled, ready to edit and start.
 */
import type { DatasetInfo, TrainSpec } from '../../../shared/schemas';
import { findDataset } from '../../lib/names';
import { BASE_FORM, type TrainForm } from '../train/trainForm';

export function trainFormFromSpec(spec: TrainSpec, datasets: DatasetInfo[]): TrainForm {
  const s = spec.schedule ?? { name: 'constant' };
  return {
    ...BASE_FORM,
    preset: null,
    name: spec.name ? `${spec.name} (copy)` : '',
    dataset: findDataset(datasets, spec.dataset)?.id ?? spec.dataset,
    arch: spec.arch,
    method: spec.method,
    methodParams: { ...spec.methodParams },
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    optimizer: spec.optimizer.name,
    lr: spec.optimizer.lr,
    momentum: spec.optimizer.momentum ?? BASE_FORM.momentum,
    weightDecay: spec.optimizer.weightDecay ?? 0,
    schedule: s.name,
    stepEpochs: s.name === 'step' ? s.stepEpochs : BASE_FORM.stepEpochs,
    gamma: s.name === 'step' ? s.gamma : BASE_FORM.gamma,
    minLr: s.name === 'cosine' ? s.minLr : BASE_FORM.minLr,
    seed: spec.seed ?? 0,
    limit: spec.limit ?? '',
    testLimit: spec.testLimit ?? '',
    monitorOn: !!spec.monitor,
    monitorCount: spec.monitor?.count ?? BASE_FORM.monitorCount,
    monitorEps: spec.monitor?.eps ?? '',
    monitorPgdSteps: spec.monitor?.pgdSteps ?? BASE_FORM.monitorPgdSteps,
    monitorCertify: spec.monitor?.certify ?? 'auto',
    valPercent: spec.valFraction ? Math.round(spec.valFraction * 1000) / 10 : 0,
    warmupEpochs: spec.warmupEpochs ?? 0,
    earlyStop: !!spec.earlyStopping,
    esMetric: spec.earlyStopping?.metric ?? BASE_FORM.esMetric,
    esPatience: spec.earlyStopping?.patience ?? BASE_FORM.esPatience,
    esMinDelta: spec.earlyStopping?.minDelta ?? BASE_FORM.esMinDelta,
    keepBest: spec.keepBest ?? 'last',
    initModel: spec.initModel ?? '',
  };
}
