/** Bootstrapping (Reed et al., 2015): the target mixes the given label with the model's own prediction. */
import { bootstrapLoss } from '../losses/noisy';
import { lossMethod, NOISY_TRADE } from './loss-method';
import { noisyLabelTraits } from '../../../shared/methods';

export const bootstrap = lossMethod(
  {
    name: 'bootstrap',
    ...noisyLabelTraits(),
    title: 'Bootstrapping (for noisy labels)',
    description: `The training target is beta × the given label + (1 − beta) × the model's own prediction, so the model can partly overrule labels it finds implausible. ${NOISY_TRADE}`,
    params: [
      { key: 'beta', label: 'Beta (label weight)', type: 'number', min: 0, max: 1, step: 0.05, default: 0.95, help: 'Weight of the given label; 1 is cross-entropy. The paper uses 0.95 (soft) and 0.8 (hard).' },
      {
        key: 'mode',
        label: 'Mode',
        type: 'enum',
        default: 'soft',
        options: [
          { value: 'soft', label: 'Soft (predicted probabilities)' },
          { value: 'hard', label: 'Hard (predicted class)' },
        ],
        help: 'Mix in the predicted probabilities (soft) or the predicted class (hard).',
      },
    ],
  },
  (logits, y, p) => bootstrapLoss(logits, y, p.beta as number, p.mode as 'soft' | 'hard'),
);
