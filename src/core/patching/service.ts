/**
 * What the facade's patching calls do: extract and store signatures, list/show/delete them, the
 * per-layer ‖Δ‖ view, the instant estimate and saving a patched model with its lineage.
 *
 * Runs in: Node (core), in the facade's process (everything here is quick: ≤ 256 images).
 */
import { LabError } from '../../shared/errors';
import type { ModelInfo } from '../../shared/schemas';
import {
  MAX_ESTIMATE_IMAGES,
  type EstimatePatchRequest,
  type EstimateResult,
  type ExtractSignatureRequest,
  type LayerDelta,
  type PatchModelRequest,
  type PatchTerm,
  type SignatureDetail,
  type SignatureEffect,
  type SignatureInfo,
} from '../../shared/patching';
import { readSplit, type SplitArrays } from '../data/dataset';
import { Model, type TorchTensor } from '../models/model';
import { getArchitecture } from '../models/registry';
import { decodeSafetensors, modelFromSafetensors } from '../models/safetensors';
import { modelInfo } from '../store/model-files';
import { newId, type LabStore, type ModelRecord, type SignatureRecord } from '../store/store';
import { accuracy, ancestry, checkSignatureFits, patchModel, reestimateBatchNorm, type PatchTermTensors } from './apply';
import { chooseLayers, decodeSignature, extractSignature, layerDeltas, layersOf } from './signature';
import { modelToSafetensors } from '../models/safetensors';

function tensorsOf(store: LabStore, rec: ModelRecord): Record<string, TorchTensor> {
  return decodeSafetensors(store.readArtifact(rec.artifact)).tensors;
}

function loadModel(store: LabStore, rec: ModelRecord): Model {
  const [height, width, channels] = rec.inputShape;
  return modelFromSafetensors(store.readArtifact(rec.artifact), rec.arch, { input: { height, width, channels }, numClasses: rec.numClasses, archFromRecord: true });
}

function sameKind(a: ModelRecord, b: ModelRecord, role: string): void {
  if (a.arch !== b.arch || a.inputShape.join('×') !== b.inputShape.join('×') || a.numClasses !== b.numClasses) {
    throw new LabError(
      'shape_mismatch',
      `The ${role} "${b.name}" (${b.arch}, ${b.inputShape.join('×')}, ${b.numClasses} classes) does not match "${a.name}" (${a.arch}, ${a.inputShape.join('×')}, ${a.numClasses} classes); all models of a family share one architecture.`,
    );
  }
}

function resolveBase(store: LabStore, source: ModelRecord, base?: string): ModelRecord {
  if (base) return store.getModel(base);
  if (!source.parentId) {
    throw new LabError('bad_input', `Model "${source.name}" was not fine-tuned from another model in this lab; name its base model (θ_pre) explicitly.`);
  }
  return store.getModel(source.parentId);
}

function checkDescends(store: LabStore, model: ModelRecord, base: ModelRecord, role: string): void {
  if (!ancestry(store, model).includes(base.id)) {
    throw new LabError('bad_input', `The ${role} "${model.name}" was not fine-tuned from base "${base.name}"; signatures need models fine-tuned from the same base.`);
  }
}

/** Per-layer ‖Δ‖ of a model against its base (and the clean update, when given): the chart that guides K. */
export function getLayerDeltas(store: LabStore, req: { model: string; base?: string; clean?: string }): LayerDelta[] {
  const source = store.getModel(req.model);
  const base = resolveBase(store, source, req.base);
  sameKind(source, base, 'base model');
  const clean = req.clean ? store.getModel(req.clean) : null;
  if (clean) sameKind(source, clean, 'clean model');
  const [height, width, channels] = source.inputShape;
  const layers = layersOf(getArchitecture(source.arch).params({ height, width, channels }, source.numClasses));
  return layerDeltas(layers, tensorsOf(store, base), tensorsOf(store, source), clean ? tensorsOf(store, clean) : null);
}

function testSplit(store: LabStore, datasetId: string): { split: SplitArrays; name: string; id: string } {
  const ds = store.getDataset(datasetId);
  if (!ds.splits.test) throw new LabError('bad_input', `Dataset "${ds.name}" has no test split to measure on.`);
  return { split: readSplit(store.labDir, ds.files as never, 'test'), name: ds.name, id: ds.id };
}

/** The signature's effect at α = 1 on the clean reference, on ≤ 256 test images of each dataset. */
function measureEffect(store: LabStore, sig: SignatureRecord, dense: Record<string, TorchTensor>): SignatureEffect | null {
  if (!sig.cleanModelId) return null;
  const cleanRec = store.getModel(sig.cleanModelId);
  const limit = MAX_ESTIMATE_IMAGES;
  const ref = loadModel(store, cleanRec);
  const patched = patchModel(ref, [{ name: sig.name, alpha: 1, tensors: dense }]);
  const source = loadModel(store, store.getModel(sig.sourceModelId));
  try {
    const clean = cleanRec.datasetId ? testSplit(store, cleanRec.datasetId) : null;
    const src = sig.sourceDatasetId ? testSplit(store, sig.sourceDatasetId) : null;
    return {
      count: Math.min(limit, clean?.split.count ?? limit, src?.split.count ?? limit),
      cleanDataset: clean?.name ?? null,
      sourceDataset: src?.name ?? null,
      cleanAccuracy: clean ? accuracy(ref, clean.split, limit) : null,
      patchedCleanAccuracy: clean ? accuracy(patched, clean.split, limit) : null,
      referenceOnSource: src ? accuracy(ref, src.split, limit) : null,
      patchedOnSource: src ? accuracy(patched, src.split, limit) : null,
      sourceOnSource: src ? accuracy(source, src.split, limit) : null,
    };
  } finally {
    ref.dispose();
    patched.dispose();
    source.dispose();
  }
}

export function publicSignature(r: SignatureRecord): SignatureInfo {
  const { artifact: _a, tensors: _t, ...info } = r;
  return info;
}

export function signatureDetail(r: SignatureRecord): SignatureDetail {
  const { artifact: _a, ...detail } = r;
  return detail;
}

/** Extracts a signature, stores its file and row, and measures its effect when a clean reference is given. */
export function extractAndStore(store: LabStore, req: ExtractSignatureRequest): SignatureDetail {
  const source = store.getModel(req.model);
  const base = resolveBase(store, source, req.base);
  if (base.id === source.id) throw new LabError('bad_input', `The base and the robust model are the same model ("${source.name}"); there is no update to extract.`);
  sameKind(source, base, 'base model');
  checkDescends(store, source, base, 'robust model');
  const clean = req.clean ? store.getModel(req.clean) : null;
  if (clean) {
    sameKind(source, clean, 'clean model');
    checkDescends(store, clean, base, 'clean model');
  }
  if (req.projection && !clean) throw new LabError('bad_input', 'Projection needs the clean fine-tuned model (--clean); give it, or turn projection off.');
  if (req.compression.quantize?.scheme === 'log' && req.compression.quantize.levels % 2 !== 0) {
    throw new LabError('bad_input', 'Log quantization keeps the sign, so it needs an even number of levels (e.g. log:16).');
  }
  try {
    store.getSignature(req.name);
    throw new LabError('conflict', `A signature named "${req.name}" already exists; choose another name.`);
  } catch (err) {
    if (!(err instanceof LabError && err.code === 'not_found')) throw err;
  }
  const [height, width, channels] = source.inputShape;
  const defs = getArchitecture(source.arch).params({ height, width, channels }, source.numClasses);
  const layers = chooseLayers(layersOf(defs), req.layers);
  const ex = extractSignature({
    arch: source.arch,
    inputShape: source.inputShape,
    numClasses: source.numClasses,
    layers,
    base: tensorsOf(store, base),
    source: tensorsOf(store, source),
    clean: clean ? tensorsOf(store, clean) : null,
    projection: req.projection,
    compression: req.compression,
  });
  const art = store.writeArtifact(ex.bytes, 'safetensors');
  const rec = store.insertSignature({
    id: newId('sig'),
    name: req.name,
    arch: source.arch,
    inputShape: source.inputShape,
    numClasses: source.numClasses,
    baseModelId: base.id,
    cleanModelId: clean?.id ?? null,
    sourceModelId: source.id,
    sourceDatasetId: source.datasetId,
    layers: layers.map((l) => l.name),
    projection: req.projection,
    compression: req.compression,
    sizeBytes: art.size,
    modelBytes: 4 * source.paramCount,
    sha256: art.sha256,
    artifact: art.rel,
    tensors: ex.stats,
    effect: null,
  });
  const effect = measureEffect(store, rec, ex.dense);
  if (effect) store.setSignatureEffect(rec.id, effect);
  return signatureDetail({ ...rec, effect });
}

export function loadSignatureTensors(store: LabStore, sig: SignatureRecord): Record<string, TorchTensor> {
  return decodeSignature(store.readArtifact(sig.artifact)).dense;
}

/** The terms of a patch, checked against the target: architecture, base, α, shapes. */
export function resolveTerms(store: LabStore, target: ModelRecord, terms: PatchTerm[]): { sig: SignatureRecord; term: PatchTermTensors }[] {
  return terms.map((t) => {
    const sig = store.getSignature(t.signature);
    checkSignatureFits(store, sig, target);
    return { sig, term: { name: sig.name, alpha: t.alpha, tensors: loadSignatureTensors(store, sig) } };
  });
}

interface BnChoice {
  bn: 'keep' | 'reestimate';
  bnDataset?: string;
  bnImages: number;
}

/** The dataset that re-estimates batch norm (its train split), or null for 'keep'. */
export function resolveBnDataset(store: LabStore, target: ModelRecord, c: BnChoice): { id: string; split: SplitArrays } | null {
  if (c.bn === 'keep') return null;
  const id = c.bnDataset ?? target.datasetId;
  if (!id) throw new LabError('bad_input', 'Choose the dataset whose images re-estimate the batch-norm statistics.');
  const ds = store.getDataset(id);
  const splitName = ds.splits.train ? 'train' : 'test';
  return { id: ds.id, split: readSplit(store.labDir, ds.files as never, splitName) };
}

/** The target patched (and its batch norm re-estimated when asked); the caller disposes both. */
export function buildPatched(
  store: LabStore,
  target: ModelRecord,
  terms: PatchTermTensors[],
  bn: { id: string; split: SplitArrays } | null,
  bnImages: number,
): { original: Model; patched: Model } {
  const original = loadModel(store, target);
  let patched: Model;
  try {
    patched = patchModel(original, terms);
  } catch (err) {
    original.dispose();
    throw err;
  }
  if (bn) {
    try {
      reestimateBatchNorm(patched, bn.split, bnImages);
    } catch (err) {
      original.dispose();
      patched.dispose();
      throw err;
    }
  }
  return { original, patched };
}

/** The datasets to measure on: the ones asked for, else the target's and each signature's source dataset. */
export function defaultDatasets(store: LabStore, target: ModelRecord, sigs: SignatureRecord[], asked?: string[]): string[] {
  const ids = asked?.length ? asked.map((d) => store.getDataset(d).id) : [target.datasetId, ...sigs.map((s) => s.sourceDatasetId)];
  const out = [...new Set(ids.filter((d): d is string => !!d))];
  if (out.length === 0) throw new LabError('bad_input', 'Choose at least one dataset to measure on (the target model has no dataset of its own).');
  return out;
}

/** The instant estimate: target vs patched accuracy on ≤ 256 test images of each dataset. */
export function estimatePatch(store: LabStore, req: EstimatePatchRequest): EstimateResult {
  const t0 = Date.now();
  const target = store.getModel(req.target);
  const resolved = resolveTerms(store, target, req.signatures);
  const datasets = defaultDatasets(store, target, resolved.map((r) => r.sig), req.datasets).map((id) => testSplit(store, id));
  const bn = resolveBnDataset(store, target, req);
  const { original, patched } = buildPatched(store, target, resolved.map((r) => r.term), bn, req.bnImages);
  try {
    const rows = datasets.map((d) => ({
      datasetId: d.id,
      datasetName: d.name,
      targetAccuracy: accuracy(original, d.split, req.limit),
      patchedAccuracy: accuracy(patched, d.split, req.limit),
    }));
    return { count: Math.min(req.limit, ...datasets.map((d) => d.split.count)), seconds: (Date.now() - t0) / 1000, bn: req.bn, rows };
  } finally {
    original.dispose();
    patched.dispose();
  }
}

/** Saves the patched model as a new model (source 'patched', parent = target) with its lineage. */
export function savePatchedModel(store: LabStore, req: PatchModelRequest): ModelInfo {
  const target = store.getModel(req.target);
  const resolved = resolveTerms(store, target, req.signatures);
  const bn = resolveBnDataset(store, target, req);
  const { original, patched } = buildPatched(store, target, resolved.map((r) => r.term), bn, req.bnImages);
  try {
    const art = store.writeArtifact(modelToSafetensors(patched), 'safetensors');
    const rec = store.insertPatchedModel(
      {
        id: newId('m'),
        name: req.name,
        arch: patched.archName,
        inputShape: [patched.input.height, patched.input.width, patched.input.channels],
        numClasses: patched.numClasses,
        paramCount: patched.paramCount(),
        source: 'patched',
        datasetId: target.datasetId,
        runId: null,
        parentId: target.id,
        sha256: art.sha256,
        sizeBytes: art.size,
        artifact: art.rel,
      },
      {
        targetId: target.id,
        terms: resolved.map((r) => ({ signatureId: r.sig.id, signatureName: r.sig.name, alpha: r.term.alpha })),
        bn: req.bn,
        bnDatasetId: bn?.id ?? null,
      },
    );
    return modelInfo(rec);
  } finally {
    original.dispose();
    patched.dispose();
  }
}

export function deleteSignature(store: LabStore, idOrName: string): { id: string; name: string } {
  const sig = store.getSignature(idOrName);
  store.deleteSignature(sig.id);
  return { id: sig.id, name: sig.name };
}
