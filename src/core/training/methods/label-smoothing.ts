/** Label smoothing (Szegedy et al., 2016). */
import { labelSmoothingLoss } from '../losses/noisy';
import { lossMethod } from './loss-method';
import { noisyLabelTraits } from '../../../shared/methods';

export const labelSmoothing = lossMethod(
  {
    name: 'label-smoothing',
    ...noisyLabelTraits({ clean: 'about the same', robust: 'better-calibrated confidence, some label-noise tolerance' }),
    title: 'Label smoothing',
    description:
      'Trains toward a softened label (most weight on the given class, a little on every class) instead of a hard one. Better-calibrated confidence and a little tolerance to wrong labels at about the same clean accuracy; same time as standard training.',
    params: [
      { key: 'smoothing', label: 'Smoothing', type: 'number', min: 0, max: 0.99, step: 0.01, default: 0.1, help: 'Share of the target spread evenly over all classes; 0 is cross-entropy, 0.1 is usual.' },
    ],
  },
  (logits, y, p) => labelSmoothingLoss(logits, y, p.smoothing as number),
);
