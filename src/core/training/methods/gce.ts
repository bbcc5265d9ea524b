/** Generalized cross-entropy (Zhang & Sabuncu, 2018). */
import { gceLoss } from '../losses/noisy';
import { lossMethod, NOISY_TRADE } from './loss-method';
import { noisyLabelTraits } from '../../../shared/methods';

export const gce = lossMethod(
  {
    name: 'gce',
    ...noisyLabelTraits(),
    title: 'Generalized cross-entropy (GCE, for noisy labels)',
    description: `Loss (1 − p_y^q)/q, between cross-entropy (q → 0) and mean absolute error (q = 1), which gives wrong labels less pull. ${NOISY_TRADE}`,
    params: [
      {
        key: 'q',
        label: 'q',
        type: 'number',
        min: 0.01,
        max: 1,
        step: 0.05,
        default: 0.7,
        help: 'Closer to 1 ignores wrong labels more but learns slower; closer to 0 behaves like cross-entropy. 0.7 is the usual value.',
      },
    ],
  },
  (logits, y, p) => gceLoss(logits, y, p.q as number),
);
