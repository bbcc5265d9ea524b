/**
 * cnn-bn: four convolution → batch norm → ReLU blocks, then two fully connected layers.
 *
 *   conv1 Conv2d(C→32, 3×3, padding 1, no bias)  → bn1 → ReLU     28×28 (32×32)
 *   conv2 Conv2d(32→32, 3×3, stride 2, no bias)  → bn2 → ReLU     13×13 (15×15)
 *   conv3 Conv2d(32→64, 3×3, padding 1, no bias) → bn3 → ReLU     13×13 (15×15)
 *   conv4 Conv2d(64→64, 3×3, stride 2, no bias)  → bn4 → ReLU     6×6   (7×7)
 *   flatten (PyTorch's C, H, W order) → fc1 Linear(→128) → ReLU → fc2 Linear(128→classes)
 *
 * The convolutions feed batch norm, so they have no bias (it would be cancelled by the mean).
 * The stride-2 convolutions have no padding: every layer then maps exactly onto a tfjs 'same'
 * (stride 1, 3×3, padding 1) or 'valid' convolution, for any image size, so the layer-graph
 * view used by bound propagation equals PyTorch's network (a stride-2 convolution padded by 1
 * does not: tfjs pads such a convolution at the bottom, PyTorch at the top).
 * 361,514 parameters at 28×28×1 with 10 classes (468,586 at 32×32×3), plus 384 running statistics
 * and 4 batch counters.
 */
import { tf } from '../engine/backend';
import { flattenTorchOrder, linear, relu } from '../engine/ops';
import { LabError } from '../../shared/errors';
import {
  checkBatch,
  checkInputAndClasses,
  formatInput,
  requireShape,
  type Architecture,
  type BufferDef,
  type InputShape,
  type LayerOp,
  type ParamDef,
} from './architecture';
import {
  BN_EPS,
  batchNorm2d,
  batchNormBufferDefs,
  batchNormParamDefs,
  convDefs,
  convOutSide,
  convTorch,
  linearDefs,
} from './blocks';

const NAME = 'cnn-bn';
const HIDDEN = 128;
/** [out channels, stride, padding] of conv1..conv4. */
const BLOCKS: [number, number, number][] = [
  [32, 1, 1],
  [32, 2, 0],
  [64, 1, 1],
  [64, 2, 0],
];
const MIN_SIDE = 7;
const C_LAST = BLOCKS[BLOCKS.length - 1][0];

function featureSide(side: number): number {
  return BLOCKS.reduce((s, [, stride, padding]) => convOutSide(s, 3, stride, padding), side);
}

function guessSide(feature: number): number {
  // Several sizes give the same feature map; prefer the common 28 and 32, else the smallest.
  for (const side of [28, 32]) if (featureSide(side) === feature) return side;
  for (let side = MIN_SIDE; side < 4 * feature + 16; side++) if (featureSide(side) === feature) return side;
  return 4 * feature + 3;
}

export const cnnBn: Architecture = {
  name: NAME,
  title: 'Convolutional network with batch normalization (CNN-BN)',
  description:
    'Four layers of 3×3 pattern detectors (32, 32, 64, 64 of them), each followed by batch normalization, which ' +
    'rescales every layer’s outputs to a steady range while training and makes training faster and less sensitive ' +
    'to the learning rate; the image is shrunk twice, then two fully connected layers decide. A good stronger ' +
    'baseline than the small CNN. Batch normalization behaves differently while training (statistics of the batch) ' +
    'and when evaluating (statistics remembered from training). Needs images of at least 7×7 pixels.',

  params(input, numClasses): ParamDef[] {
    checkInputAndClasses(NAME, input, numClasses);
    if (input.height < MIN_SIDE || input.width < MIN_SIDE) {
      throw new LabError(
        'shape_mismatch',
        `The ${NAME} architecture needs images of at least ${MIN_SIDE}×${MIN_SIDE} pixels, but these are ` +
          `${formatInput(input)}. Choose the mlp architecture or a dataset with larger images.`,
      );
    }
    const defs: ParamDef[] = [];
    let cin = input.channels;
    BLOCKS.forEach(([cout], i) => {
      defs.push(...convDefs(`conv${i + 1}`, cin, cout, 3, false), ...batchNormParamDefs(`bn${i + 1}`, cout));
      cin = cout;
    });
    const features = C_LAST * featureSide(input.height) * featureSide(input.width);
    defs.push(...linearDefs('fc1', features, HIDDEN), ...linearDefs('fc2', HIDDEN, numClasses));
    return defs;
  },

  buffers(): BufferDef[] {
    return BLOCKS.flatMap(([cout], i) => batchNormBufferDefs(`bn${i + 1}`, cout));
  },

  forward(p, x, input, opts) {
    checkBatch(NAME, x, input);
    return tf.tidy(() => {
      let h: tf.Tensor4D = x;
      BLOCKS.forEach(([, stride, padding], i) => {
        h = convTorch(h, p[`conv${i + 1}.weight`] as tf.Tensor4D, null, stride, padding);
        h = relu(batchNorm2d(p, `bn${i + 1}`, h, opts));
      });
      const f = relu(linear(flattenTorchOrder(h), p['fc1.weight'] as tf.Tensor2D, p['fc1.bias'] as tf.Tensor1D));
      return linear(f, p['fc2.weight'] as tf.Tensor2D, p['fc2.bias'] as tf.Tensor1D);
    });
  },

  layers() {
    const ops: LayerOp[] = [];
    BLOCKS.forEach(([, stride, padding], i) => {
      const bn = `bn${i + 1}`;
      ops.push(
        { op: 'conv2d', weight: `conv${i + 1}.weight`, stride, pad: padding === 0 ? 'valid' : 'same' },
        {
          op: 'batchnorm',
          weight: `${bn}.weight`,
          bias: `${bn}.bias`,
          runningMean: `${bn}.running_mean`,
          runningVar: `${bn}.running_var`,
          eps: BN_EPS,
        },
        { op: 'relu' },
      );
    });
    ops.push(
      { op: 'flatten-chw' },
      { op: 'linear', weight: 'fc1.weight', bias: 'fc1.bias' },
      { op: 'relu' },
      { op: 'linear', weight: 'fc2.weight', bias: 'fc2.bias' },
    );
    return ops;
  },

  inferFromTorchShapes(shapes) {
    const conv1 = requireShape(NAME, shapes, 'conv1.weight', 4);
    const fc1 = requireShape(NAME, shapes, 'fc1.weight', 2);
    const fc2 = requireShape(NAME, shapes, 'fc2.weight', 2);
    const numClasses = fc2[0];
    const cells = fc1[1] / C_LAST;
    const side = Math.round(Math.sqrt(cells));
    if (!Number.isInteger(cells) || side < 1 || side * side !== cells) return { numClasses };
    const s = guessSide(side);
    const input: InputShape = { height: s, width: s, channels: conv1[1] };
    return { input, numClasses };
  },
};
