/** Logit clipping (Wei et al., 2023): cross-entropy on logits clipped to an L2 norm of 1/τ. */
import { logitClipLoss } from '../losses/noisy';
import { lossMethod, NOISY_TRADE } from './loss-method';
import { noisyLabelTraits } from '../../../shared/methods';

export const logitClip = lossMethod(
  {
    name: 'logit-clip',
    ...noisyLabelTraits(),
    title: 'Logit clipping (for noisy labels)',
    description: `Cross-entropy on outputs whose size is capped, so the model cannot become overconfident on (possibly wrong) training labels. ${NOISY_TRADE}`,
    params: [
      { key: 'tau', label: 'Tau', type: 'number', min: 0.01, max: 10, step: 0.05, default: 0.5, help: 'The output vector is scaled down to length at most 1/tau: larger tau caps harder (more tolerance to wrong labels, less confident predictions).' },
    ],
  },
  (logits, y, p) => logitClipLoss(logits, y, p.tau as number),
);
