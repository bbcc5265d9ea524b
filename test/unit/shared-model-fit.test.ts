/** The model-fits-dataset rule (src/shared/model-fit.ts), used by core's eval checks and the UI. */
import { describe, expect, it } from 'vitest';
import { checkModelFitsDataset, modelFitProblem } from '../../src/shared/model-fit';
import { checkModelFitsDataset as evalJobCheck } from '../../src/core/eval/job';
import { LabError } from '../../src/shared/errors';

const model = { name: 'm', inputShape: [28, 28, 1], numClasses: 10 };
const ds = (o: Partial<{ height: number; width: number; channels: number; numClasses: number }> = {}) => ({ name: 'd', height: 28, width: 28, channels: 1, numClasses: 10, ...o });

describe('model fits dataset', () => {
  it('fits when the shape matches and the model predicts every class (more classes are fine)', () => {
    expect(modelFitProblem(model, ds())).toBeNull();
    expect(modelFitProblem({ ...model, numClasses: 12 }, ds())).toBeNull();
  });

  it('names the mismatch in one sentence', () => {
    expect(modelFitProblem(model, ds({ channels: 3 }))).toBe('Model "m" takes 28×28×1 images but dataset "d" has 28×28×3; pick a matching dataset.');
    expect(modelFitProblem(model, ds({ numClasses: 11 }))).toBe('Model "m" predicts 10 classes but dataset "d" has 11; pick a matching dataset.');
  });

  it('core raises it as a shape_mismatch LabError through the same function', () => {
    expect(evalJobCheck).toBe(checkModelFitsDataset);
    try {
      checkModelFitsDataset(model, ds({ height: 32 }));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(LabError);
      expect((err as LabError).code).toBe('shape_mismatch');
    }
  });
});
