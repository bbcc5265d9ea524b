/**
 * The transfer check (issue 11, step 6): a signature was made against its clean model; does its
 * gain carry over to another target? Both are measured the same way as the instant estimate
 * (estimatePatch: the first ≤ 256 test images, the same α, batch-norm statistics kept), on the
 * signature's source dataset unless another is chosen, and on each model's own dataset for what
 * the patch costs there. The verdict rule lives here, once: the target keeps at least
 * TRANSFER_SHARE of the gain at home.
 */
import { LabError } from '../../shared/errors';
import { TRANSFER_SHARE, type TransferCheckRequest, type TransferCheckResult, type TransferSide } from '../../shared/patching';
import type { LabStore, ModelRecord } from '../store/store';
import { estimatePatch } from './service';

const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(1)} points`;

function side(store: LabStore, model: ModelRecord, req: TransferCheckRequest, signatureId: string, datasetId: string): TransferSide {
  const own = model.datasetId && model.datasetId !== datasetId ? [model.datasetId] : [];
  const e = estimatePatch(store, {
    target: model.id,
    signatures: [{ signature: signatureId, alpha: req.alpha }],
    datasets: [datasetId, ...own],
    limit: req.limit,
    bn: 'keep',
    bnImages: 1024,
  });
  const main = e.rows[0];
  const ownRow = e.rows[1];
  return {
    modelId: model.id,
    modelName: model.name,
    before: main.targetAccuracy,
    after: main.patchedAccuracy,
    gain: main.patchedAccuracy - main.targetAccuracy,
    ownBefore: ownRow ? ownRow.targetAccuracy : null,
    ownAfter: ownRow ? ownRow.patchedAccuracy : null,
  };
}

export function transferCheck(store: LabStore, req: TransferCheckRequest): TransferCheckResult {
  const t0 = Date.now();
  const sig = store.getSignature(req.signature);
  const target = store.getModel(req.target);
  if (!sig.cleanModelId) {
    throw new LabError('bad_input', `Signature "${sig.name}" was extracted without a clean model, so it has no gain at home to compare with; extract it again with its family's clean model.`);
  }
  const home = store.getModel(sig.cleanModelId);
  if (home.id === target.id) {
    throw new LabError('bad_input', `"${target.name}" is the signature's own clean model; choose another model from the same base to check whether the gain transfers.`);
  }
  const datasetId = req.dataset ? store.getDataset(req.dataset).id : sig.sourceDatasetId;
  if (!datasetId) throw new LabError('bad_input', `Signature "${sig.name}" does not record the dataset it was made for; choose the dataset to measure on.`);
  const dataset = store.getDataset(datasetId);
  const h = side(store, home, req, sig.id, datasetId);
  const t = side(store, target, req, sig.id, datasetId);
  const ratio = h.gain > 0 ? t.gain / h.gain : null;
  const transfers = ratio === null ? null : ratio >= TRANSFER_SHARE;
  const count = Math.min(req.limit, dataset.splits.test?.count ?? req.limit);
  const summary =
    ratio === null
      ? `At home the signature does not help on ${dataset.name} (${pts(h.gain)} on "${home.name}"), so there is no gain to transfer.`
      : `On ${dataset.name}, "${sig.name}" at α = ${req.alpha} gives ${pts(h.gain)} on its clean model and ${pts(t.gain)} on "${target.name}": ` +
        `${Math.round(100 * ratio)} % of the gain ${transfers ? 'transfers' : `— it does not transfer (the rule is at least ${Math.round(100 * TRANSFER_SHARE)} %)`}.`;
  return {
    signatureId: sig.id,
    signatureName: sig.name,
    alpha: req.alpha,
    datasetId,
    datasetName: dataset.name,
    count,
    seconds: (Date.now() - t0) / 1000,
    home: h,
    target: t,
    ratio,
    transfers,
    summary,
  };
}
