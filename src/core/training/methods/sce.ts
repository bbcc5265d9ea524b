/** Symmetric cross-entropy (Wang et al., 2019): α·CE + β·RCE. */
import { sceLoss } from '../losses/noisy';
import { lossMethod, NOISY_TRADE } from './loss-method';
import { noisyLabelTraits } from '../../../shared/methods';

export const sce = lossMethod(
  {
    name: 'sce',
    ...noisyLabelTraits(),
    title: 'Symmetric cross-entropy (SCE, for noisy labels)',
    description: `Cross-entropy plus reverse cross-entropy, which is robust to wrong labels; alpha and beta weigh the two. ${NOISY_TRADE}`,
    params: [
      { key: 'alpha', label: 'Alpha (CE weight)', type: 'number', min: 0, max: 100, step: 0.01, default: 0.1, help: 'Weight of the cross-entropy term (fits the data; 0.01–0.1 for digits, 0.1 for CIFAR-10 in the paper).' },
      { key: 'beta', label: 'Beta (RCE weight)', type: 'number', min: 0, max: 100, step: 0.1, default: 1, help: 'Weight of the reverse cross-entropy term (robust to wrong labels); 1 in the paper.' },
    ],
  },
  (logits, y, p) => sceLoss(logits, y, p.alpha as number, p.beta as number),
);
