/**
 * mnist-cnn: conv1 (C→32, 3×3) → ReLU → max-pool 2 → conv2 (32→64, 3×3) → ReLU → max-pool 2 →
 * flatten (PyTorch's C,H,W order) → fc1 (→128) → ReLU → fc2 (128→classes). Convolutions have no
 * padding ("valid"); pooling drops an odd last row/column, as nn.MaxPool2d(2) does.
 */
import { tf } from '../engine/backend';
import { conv2d, flattenTorchOrder, linear, maxPool2d } from '../engine/ops';
import { LabError } from '../../shared/errors';
import {
  checkBatch,
  checkInputAndClasses,
  formatInput,
  requireShape,
  type Architecture,
  type InputShape,
  type ParamDef,
} from './architecture';

const C1 = 32;
const C2 = 64;
const HIDDEN = 128;
const MIN_SIDE = 10;

/** Side length after conv(3) → pool(2) → conv(3) → pool(2). */
function featureSide(side: number): number {
  return Math.floor((Math.floor((side - 2) / 2) - 2) / 2);
}

function guessSide(feature: number): number {
  // Many input sizes give the same feature map; prefer the common 28 and 32, else the smallest.
  for (const side of [28, 32]) if (featureSide(side) === feature) return side;
  return 4 * feature + 6;
}

export const mnistCnn: Architecture = {
  name: 'mnist-cnn',
  title: 'Small convolutional network (CNN)',
  description:
    'Slides small 3×3 pattern detectors over the image (32, then 64 of them), shrinking the picture twice, ' +
    'then decides with two fully connected layers. The classic network for handwritten digits; it learns ' +
    'shapes that can appear anywhere in the image. Needs images of at least 10×10 pixels.',

  params(input, numClasses): ParamDef[] {
    checkInputAndClasses('mnist-cnn', input, numClasses);
    if (input.height < MIN_SIDE || input.width < MIN_SIDE) {
      throw new LabError(
        'shape_mismatch',
        `The mnist-cnn architecture needs images of at least ${MIN_SIDE}×${MIN_SIDE} pixels, but these are ` +
          `${formatInput(input)}. Choose the mlp architecture or a dataset with larger images.`,
      );
    }
    const c = input.channels;
    const features = C2 * featureSide(input.height) * featureSide(input.width);
    return [
      { name: 'conv1.weight', torchShape: [C1, c, 3, 3], kind: 'conv2d.weight', fanIn: c * 9 },
      { name: 'conv1.bias', torchShape: [C1], kind: 'bias', fanIn: c * 9 },
      { name: 'conv2.weight', torchShape: [C2, C1, 3, 3], kind: 'conv2d.weight', fanIn: C1 * 9 },
      { name: 'conv2.bias', torchShape: [C2], kind: 'bias', fanIn: C1 * 9 },
      { name: 'fc1.weight', torchShape: [HIDDEN, features], kind: 'linear.weight', fanIn: features },
      { name: 'fc1.bias', torchShape: [HIDDEN], kind: 'bias', fanIn: features },
      { name: 'fc2.weight', torchShape: [numClasses, HIDDEN], kind: 'linear.weight', fanIn: HIDDEN },
      { name: 'fc2.bias', torchShape: [numClasses], kind: 'bias', fanIn: HIDDEN },
    ];
  },

  forward(p, x, input) {
    checkBatch('mnist-cnn', x, input);
    return tf.tidy(() => {
      let h = conv2d(x, p['conv1.weight'] as tf.Tensor4D, p['conv1.bias'] as tf.Tensor1D, 1, 'valid', 'relu');
      h = maxPool2d(h, 2, 2);
      h = conv2d(h, p['conv2.weight'] as tf.Tensor4D, p['conv2.bias'] as tf.Tensor1D, 1, 'valid', 'relu');
      h = maxPool2d(h, 2, 2);
      const f = linear(flattenTorchOrder(h), p['fc1.weight'] as tf.Tensor2D, p['fc1.bias'] as tf.Tensor1D, 'relu');
      return linear(f, p['fc2.weight'] as tf.Tensor2D, p['fc2.bias'] as tf.Tensor1D);
    });
  },

  layers() {
    return [
      { op: 'conv2d', weight: 'conv1.weight', bias: 'conv1.bias', stride: 1, pad: 'valid' },
      { op: 'relu' },
      { op: 'maxpool', size: 2, stride: 2 },
      { op: 'conv2d', weight: 'conv2.weight', bias: 'conv2.bias', stride: 1, pad: 'valid' },
      { op: 'relu' },
      { op: 'maxpool', size: 2, stride: 2 },
      { op: 'flatten-chw' },
      { op: 'linear', weight: 'fc1.weight', bias: 'fc1.bias' },
      { op: 'relu' },
      { op: 'linear', weight: 'fc2.weight', bias: 'fc2.bias' },
    ];
  },

  inferFromTorchShapes(shapes) {
    const conv1 = requireShape('mnist-cnn', shapes, 'conv1.weight', 4);
    const fc1 = requireShape('mnist-cnn', shapes, 'fc1.weight', 2);
    const fc2 = requireShape('mnist-cnn', shapes, 'fc2.weight', 2);
    const numClasses = fc2[0];
    const cells = fc1[1] / C2;
    const side = Math.round(Math.sqrt(cells));
    if (!Number.isInteger(cells) || side < 1 || side * side !== cells) return { numClasses };
    const s = guessSide(side);
    const input: InputShape = { height: s, width: s, channels: conv1[1] };
    return { input, numClasses };
  },
};
