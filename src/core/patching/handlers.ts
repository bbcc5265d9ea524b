/**
 * The facade's patching calls (see the table in src/shared/api.ts): each delegates to
 * ./service; families and α sweeps are jobs submitted through the facade's `submitJob`.
 */
import type { ApiMethod, ApiOutputs, ApiParsed } from '../../shared/api';
import type { JobSpec, RunInfo } from '../../shared/schemas';
import type { LabStore } from '../store/store';
import {
  deleteSignature,
  estimatePatch,
  extractAndStore,
  getLayerDeltas,
  publicSignature,
  savePatchedModel,
  signatureDetail,
} from './service';
import { transferCheck } from './transfer';

type PatchingMethod =
  | 'listSignatures'
  | 'getSignature'
  | 'extractSignature'
  | 'deleteSignature'
  | 'layerDeltas'
  | 'estimatePatch'
  | 'transferCheck'
  | 'patchModel'
  | 'patchLineage'
  | 'submitFamily'
  | 'submitPatchSweep';

export type PatchingHandlers = { [M in PatchingMethod & ApiMethod]: (input: ApiParsed<M>) => ApiOutputs[M] };

/** `lab` gives the store lazily: the facade builds its handler table before its constructor body runs. */
export function patchingHandlers(lab: () => { store: LabStore; submitJob(spec: JobSpec): RunInfo }): PatchingHandlers {
  const store = () => lab().store;
  return {
    listSignatures: () => store().listSignatures().map(publicSignature),
    getSignature: ({ signature }) => signatureDetail(store().getSignature(signature)),
    extractSignature: (req) => extractAndStore(store(), req),
    deleteSignature: ({ signature }) => deleteSignature(store(), signature),
    layerDeltas: (req) => getLayerDeltas(store(), req),
    estimatePatch: (req) => estimatePatch(store(), req),
    transferCheck: (req) => transferCheck(store(), req),
    patchModel: (req) => savePatchedModel(store(), req),
    patchLineage: ({ model }) => store().getPatchLineage(store().getModel(model).id),
    submitFamily: (spec) => lab().submitJob(spec),
    submitPatchSweep: (spec) => lab().submitJob(spec),
  };
}
