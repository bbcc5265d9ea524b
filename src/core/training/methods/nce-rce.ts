/** Active-passive loss NCE + RCE (Ma et al., 2020). */
import { tf } from '../../engine/backend';
import { nceLoss, rceLoss } from '../losses/noisy';
import { lossMethod, NOISY_TRADE } from './loss-method';
import { noisyLabelTraits } from '../../../shared/methods';

export const nceRce = lossMethod(
  {
    name: 'nce-rce',
    ...noisyLabelTraits(),
    title: 'NCE + RCE (active-passive loss, for noisy labels)',
    description: `Normalized cross-entropy (the "active" part, which pulls toward the label) plus reverse cross-entropy (the "passive" part, which pushes other classes down); both are provably robust to wrong labels. ${NOISY_TRADE}`,
    params: [
      { key: 'alpha', label: 'Alpha (NCE weight)', type: 'number', min: 0, max: 100, step: 0.1, default: 1, help: 'Weight of the normalized cross-entropy; 1 in the paper.' },
      { key: 'beta', label: 'Beta (RCE weight)', type: 'number', min: 0, max: 100, step: 0.1, default: 1, help: 'Weight of the reverse cross-entropy; 1 for CIFAR-10, up to 10 for MNIST in the authors’ settings.' },
    ],
  },
  (logits, y, p) => tf.add(tf.mul(nceLoss(logits, y), p.alpha as number), tf.mul(rceLoss(logits, y), p.beta as number)) as tf.Tensor1D,
);
