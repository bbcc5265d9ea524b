/** Active-passive loss NCE + MAE (Ma et al., 2020). */
import { tf } from '../../engine/backend';
import { maeLoss, nceLoss } from '../losses/noisy';
import { lossMethod, NOISY_TRADE } from './loss-method';
import { noisyLabelTraits } from '../../../shared/methods';

export const nceMae = lossMethod(
  {
    name: 'nce-mae',
    ...noisyLabelTraits(),
    title: 'NCE + MAE (active-passive loss, for noisy labels)',
    description: `Normalized cross-entropy plus mean absolute error (1 − p_y); both are provably robust to wrong labels. ${NOISY_TRADE}`,
    params: [
      { key: 'alpha', label: 'Alpha (NCE weight)', type: 'number', min: 0, max: 100, step: 0.1, default: 1, help: 'Weight of the normalized cross-entropy; 1 in the paper.' },
      { key: 'beta', label: 'Beta (MAE weight)', type: 'number', min: 0, max: 100, step: 0.1, default: 1, help: 'Weight of the mean absolute error; 1 for CIFAR-10, up to 10 for MNIST in the authors’ settings.' },
    ],
  },
  (logits, y, p) => tf.add(tf.mul(nceLoss(logits, y), p.alpha as number), tf.mul(maeLoss(logits, y), p.beta as number)) as tf.Tensor1D,
);
