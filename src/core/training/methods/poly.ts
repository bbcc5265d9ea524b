/** Poly-1 loss (Leng et al., 2022): CE + ε·(1 − p_y). */
import { polyLoss } from '../losses/noisy';
import { lossMethod } from './loss-method';
import { noisyLabelTraits } from '../../../shared/methods';

export const poly = lossMethod(
  {
    name: 'poly',
    ...noisyLabelTraits({ clean: 'about the same (can help underfitting)' }),
    title: 'Poly-1 loss',
    description:
      'Cross-entropy plus epsilon × (1 − p_y): a one-parameter adjustment of how hard confident and unconfident examples pull. Positive epsilon helps when training underfits, negative epsilon (toward −1) tolerates label noise a little better. Same time as standard training.',
    params: [
      { key: 'epsilon', label: 'Epsilon', type: 'number', min: -1, max: 10, step: 0.1, default: 1, help: 'Weight of the (1 − p_y) term; 0 is cross-entropy, 1 is the paper’s default.' },
    ],
  },
  (logits, y, p) => polyLoss(logits, y, p.epsilon as number),
);
