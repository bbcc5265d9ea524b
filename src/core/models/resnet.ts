/**
 * resnet: a small pre-activation ResNet (He et al., 2016, "Identity mappings in deep residual
 * networks") for 28–32 pixel images, with PyTorch's names (as torchvision / kuangliu's
 * PreActResNet write them):
 *
 *   conv1       Conv2d(C→16, 3×3, padding 1, no bias)
 *   layer1.0    pre-activation basic block 16→16, stride 1, identity shortcut
 *   layer2.0    pre-activation basic block 16→32, stride 2, 1×1 projection shortcut
 *   layer3.0    pre-activation basic block 32→64, stride 2, 1×1 projection shortcut
 *   bn → ReLU → global average pool → fc Linear(64→classes)
 *
 * A block: out = ReLU(bn1(x)); shortcut = shortcut.0(out) (a 1×1 stride-s convolution) where the
 * shape changes, else x; out = conv2(ReLU(bn2(conv1(out)))) + shortcut, with conv1 3×3 stride s
 * padding 1 and conv2 3×3 padding 1, no biases. A stride-2 convolution padded by 1 pads one row
 * and column on every side, as PyTorch does (tfjs's 'same' would pad only at the bottom/right).
 * 77,562 parameters at 28×28×1 with 10 classes (77,850 at 32×32×3), plus 480 running statistics
 * and 7 batch counters.
 */
import { tf } from '../engine/backend';
import { linear, relu } from '../engine/ops';
import { LabError } from '../../shared/errors';
import {
  checkBatch,
  checkInputAndClasses,
  formatInput,
  requireShape,
  type Architecture,
  type BufferDef,
  type ParamDef,
} from './architecture';
import {
  batchNorm2d,
  batchNormBufferDefs,
  batchNormParamDefs,
  convDefs,
  convTorch,
  globalAvgPool,
  linearDefs,
} from './blocks';

const NAME = 'resnet';
const STEM = 16;
/** [name, in, out, stride] of the blocks. */
const BLOCKS: [string, number, number, number][] = [
  ['layer1.0', 16, 16, 1],
  ['layer2.0', 16, 32, 2],
  ['layer3.0', 32, 64, 2],
];
const C_LAST = 64;
const MIN_SIDE = 4;

const hasProjection = (cin: number, cout: number, stride: number) => stride !== 1 || cin !== cout;

export const resnet: Architecture = {
  name: NAME,
  title: 'Small residual network (pre-activation ResNet)',
  description:
    'A small version of the residual networks used for CIFAR-10 and ImageNet: a first layer of 16 pattern detectors, ' +
    'then three residual blocks (16, 32, 64 detectors, shrinking the image twice) in which each block adds its input ' +
    'back to its output, which keeps training stable as networks get deeper. Uses batch normalization (statistics ' +
    'of the batch while training, remembered statistics when evaluating) and averages over the whole image at the ' +
    'end, so it works for any image size of at least 4×4 pixels. Slower per image than the small CNN.',

  params(input, numClasses): ParamDef[] {
    checkInputAndClasses(NAME, input, numClasses);
    if (input.height < MIN_SIDE || input.width < MIN_SIDE) {
      throw new LabError(
        'shape_mismatch',
        `The ${NAME} architecture needs images of at least ${MIN_SIDE}×${MIN_SIDE} pixels, but these are ` +
          `${formatInput(input)}. Choose the mlp architecture or a dataset with larger images.`,
      );
    }
    const defs: ParamDef[] = [...convDefs('conv1', input.channels, STEM, 3, false)];
    for (const [b, cin, cout, stride] of BLOCKS) {
      defs.push(
        ...batchNormParamDefs(`${b}.bn1`, cin),
        ...convDefs(`${b}.conv1`, cin, cout, 3, false),
        ...batchNormParamDefs(`${b}.bn2`, cout),
        ...convDefs(`${b}.conv2`, cout, cout, 3, false),
      );
      if (hasProjection(cin, cout, stride)) defs.push(...convDefs(`${b}.shortcut.0`, cin, cout, 1, false));
    }
    defs.push(...batchNormParamDefs('bn', C_LAST), ...linearDefs('fc', C_LAST, numClasses));
    return defs;
  },

  buffers(): BufferDef[] {
    const defs: BufferDef[] = [];
    for (const [b, cin, cout] of BLOCKS) defs.push(...batchNormBufferDefs(`${b}.bn1`, cin), ...batchNormBufferDefs(`${b}.bn2`, cout));
    defs.push(...batchNormBufferDefs('bn', C_LAST));
    return defs;
  },

  forward(p, x, input, opts) {
    checkBatch(NAME, x, input);
    const w = (name: string) => p[`${name}.weight`] as tf.Tensor4D;
    return tf.tidy(() => {
      let h = convTorch(x, w('conv1'), null, 1, 1);
      for (const [b, cin, cout, stride] of BLOCKS) {
        const pre = relu(batchNorm2d(p, `${b}.bn1`, h, opts));
        const shortcut = hasProjection(cin, cout, stride) ? convTorch(pre, w(`${b}.shortcut.0`), null, stride, 0) : h;
        let out = convTorch(pre, w(`${b}.conv1`), null, stride, 1);
        out = convTorch(relu(batchNorm2d(p, `${b}.bn2`, out, opts)), w(`${b}.conv2`), null, 1, 1);
        h = tf.add(out, shortcut);
      }
      const pooled = globalAvgPool(relu(batchNorm2d(p, 'bn', h, opts)));
      return linear(pooled, p['fc.weight'] as tf.Tensor2D, p['fc.bias'] as tf.Tensor1D);
    });
  },

  inferFromTorchShapes(shapes) {
    const conv1 = requireShape(NAME, shapes, 'conv1.weight', 4);
    const fc = requireShape(NAME, shapes, 'fc.weight', 2);
    // Global pooling: the weights fit every image size. Guess the usual one for the channels.
    const channels = conv1[1];
    const side = channels === 1 ? 28 : 32;
    return { input: { height: side, width: side, channels }, numClasses: fc[0] };
  },
};
