/**
 * Models as artifact files: safetensors with PyTorch names, content-addressed in the lab folder,
 * one row each in the models table.
 */
import type { ModelInfo } from '../../shared/schemas';
import { Model } from '../models/model';
import { modelFromSafetensors, modelToSafetensors } from '../models/safetensors';
import { newId, type LabStore, type ModelRecord } from './store';

export function loadStoredModel(store: LabStore, idOrName: string): { model: Model; record: ModelRecord } {
  const record = store.getModel(idOrName);
  const bytes = store.readArtifact(record.artifact);
  const [height, width, channels] = record.inputShape;
  const model = modelFromSafetensors(bytes, record.arch, { input: { height, width, channels }, numClasses: record.numClasses, archFromRecord: true });
  return { model, record };
}

export function saveModel(
  store: LabStore,
  model: Model,
  meta: { name: string; source: ModelInfo['source']; datasetId: string | null; runId: string | null; parentId?: string | null },
): ModelRecord {
  const bytes = modelToSafetensors(model);
  const art = store.writeArtifact(bytes, 'safetensors');
  return store.insertModel({
    id: newId('m'),
    name: meta.name,
    arch: model.archName,
    inputShape: [model.input.height, model.input.width, model.input.channels],
    numClasses: model.numClasses,
    paramCount: model.paramCount(),
    source: meta.source,
    datasetId: meta.datasetId,
    runId: meta.runId,
    parentId: meta.parentId ?? null,
    sha256: art.sha256,
    sizeBytes: art.size,
    artifact: art.rel,
  });
}

export function modelInfo(r: ModelRecord): ModelInfo {
  const { artifact: _a, parentId: _p, ...info } = r;
  return info;
}
