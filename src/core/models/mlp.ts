/**
 * mlp: flatten → fc1 (→256) → ReLU → fc2 (256→256) → ReLU → fc3 (256→classes).
 * The flatten follows PyTorch's NCHW order, so weights trained in PyTorch give the same outputs.
 */
import { tf } from '../engine/backend';
import { flattenTorchOrder, linear } from '../engine/ops';
import {
  checkBatch,
  checkInputAndClasses,
  requireShape,
  type Architecture,
  type InputShape,
  type ParamDef,
} from './architecture';

const HIDDEN = 256;

function guessInput(features: number): InputShape | undefined {
  // The weights fix only H*W*C. Guess square images, grey first, then colour.
  for (const channels of [1, 3]) {
    if (features % channels !== 0) continue;
    const side = Math.round(Math.sqrt(features / channels));
    if (side * side * channels === features) return { height: side, width: side, channels };
  }
  return undefined;
}

export const mlp: Architecture = {
  name: 'mlp',
  title: 'Small fully connected network (MLP)',
  description:
    'Looks at all pixels at once through three layers of artificial neurons (256, 256, then one per class). ' +
    'Quick to train and a good first baseline, but it does not know that nearby pixels belong together, ' +
    'so it is usually less accurate and less robust than a convolutional network on images.',

  params(input, numClasses): ParamDef[] {
    checkInputAndClasses('mlp', input, numClasses);
    const features = input.height * input.width * input.channels;
    return [
      { name: 'fc1.weight', torchShape: [HIDDEN, features], kind: 'linear.weight', fanIn: features },
      { name: 'fc1.bias', torchShape: [HIDDEN], kind: 'bias', fanIn: features },
      { name: 'fc2.weight', torchShape: [HIDDEN, HIDDEN], kind: 'linear.weight', fanIn: HIDDEN },
      { name: 'fc2.bias', torchShape: [HIDDEN], kind: 'bias', fanIn: HIDDEN },
      { name: 'fc3.weight', torchShape: [numClasses, HIDDEN], kind: 'linear.weight', fanIn: HIDDEN },
      { name: 'fc3.bias', torchShape: [numClasses], kind: 'bias', fanIn: HIDDEN },
    ];
  },

  forward(p, x, input) {
    checkBatch('mlp', x, input);
    return tf.tidy(() => {
      const f = flattenTorchOrder(x);
      const h1 = linear(f, p['fc1.weight'] as tf.Tensor2D, p['fc1.bias'] as tf.Tensor1D, 'relu');
      const h2 = linear(h1, p['fc2.weight'] as tf.Tensor2D, p['fc2.bias'] as tf.Tensor1D, 'relu');
      return linear(h2, p['fc3.weight'] as tf.Tensor2D, p['fc3.bias'] as tf.Tensor1D);
    });
  },

  layers() {
    return [
      { op: 'flatten-chw' },
      { op: 'linear', weight: 'fc1.weight', bias: 'fc1.bias' },
      { op: 'relu' },
      { op: 'linear', weight: 'fc2.weight', bias: 'fc2.bias' },
      { op: 'relu' },
      { op: 'linear', weight: 'fc3.weight', bias: 'fc3.bias' },
    ];
  },

  inferFromTorchShapes(shapes) {
    const fc1 = requireShape('mlp', shapes, 'fc1.weight', 2);
    const fc3 = requireShape('mlp', shapes, 'fc3.weight', 2);
    return { input: guessInput(fc1[1]), numClasses: fc3[0] };
  },
};
