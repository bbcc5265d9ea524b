/**
 * The model-fits-dataset rule, written once: a model can be evaluated (or fine-tuned) on a
 * dataset when the image shape matches and it predicts every class of the dataset. Core's
 * submit-time and run-time checks and the UI's choices all use it.
 */
import { LabError } from './errors';

export interface FitModel {
  name: string;
  inputShape: readonly number[];
  numClasses: number;
}

export interface FitDataset {
  name: string;
  height: number;
  width: number;
  channels: number;
  numClasses: number;
}

/** Why the model does not fit the dataset, as one sentence, or null when it fits. */
export function modelFitProblem(model: FitModel, ds: FitDataset): string | null {
  const [h, w, c] = model.inputShape;
  if (ds.height !== h || ds.width !== w || ds.channels !== c) {
    return `Model "${model.name}" takes ${h}×${w}×${c} images but dataset "${ds.name}" has ${ds.height}×${ds.width}×${ds.channels}; pick a matching dataset.`;
  }
  if (ds.numClasses > model.numClasses) {
    return `Model "${model.name}" predicts ${model.numClasses} classes but dataset "${ds.name}" has ${ds.numClasses}; pick a matching dataset.`;
  }
  return null;
}

/** Throws the rule's sentence as a LabError ('shape_mismatch') when the model does not fit. */
export function checkModelFitsDataset(model: FitModel, ds: FitDataset): void {
  const problem = modelFitProblem(model, ds);
  if (problem) throw new LabError('shape_mismatch', problem);
}
