/**
 * A residual block, y = x + body(x), the body its own chain of operators that keeps the shape.
 * IBP: the sum of the input box and the body's output box (sound; the two terms share x, so it is
 * not exact). Backward (CROWN): A·y = A·x + A·body(x); the body's part is pulled back through its
 * operators with the body's intermediate boxes from IBP on this block's input box (looser than
 * CROWN boxes, still sound), and the two coefficient sets on x add up. Where a body operator has no
 * relaxation, its coefficients are concretized on that operator's output box.
 */
import { tf } from '../../engine/backend';
import { LabError } from '../../../shared/errors';
import type { Box, BoundOp } from '../types';
import { addBias, concretize } from '../util';

export function residualOp(body: BoundOp[], inShape: number[]): BoundOp {
  const out = body.length ? body[body.length - 1].outShape : inShape;
  if (out.length !== inShape.length || out.some((d, i) => d !== inShape[i])) {
    throw new LabError('shape_mismatch', `A residual block must keep its input's shape [${inShape}], but its layers give [${out}].`);
  }
  const bodyBoxes = (box: Box): Box[] => {
    const boxes = [box];
    for (const op of body) boxes.push(op.ibp(boxes[boxes.length - 1]));
    return boxes;
  };
  return {
    kind: 'residual',
    inShape,
    outShape: inShape,
    affine: body.every((op) => op.affine),
    mixing: body.some((op) => op.mixing),
    forward: (x) => tf.add(x, body.reduce((h, op) => op.forward(h), x)),
    ibp(box) {
      const b = bodyBoxes(box)[body.length];
      return { lower: tf.add(box.lower, b.lower), upper: tf.add(box.upper, b.upper) };
    },
    backward(A, mode, inBox) {
      const boxes = bodyBoxes(inBox);
      let Ab = A;
      let bias: tf.Tensor | null = null;
      for (let k = body.length - 1; k >= 0; k--) {
        const res = body[k].backward(Ab, mode, boxes[k]);
        if (!res) return { A, bias: addBias(bias, concretize(Ab, boxes[k + 1], mode)) };
        Ab = res.A;
        bias = addBias(bias, res.bias);
      }
      return { A: tf.add(A, Ab), bias };
    },
  };
}
