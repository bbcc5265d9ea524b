/**
 * Methods whose loss needs both the clean and the adversarial batch (TRADES, MART, VAT) return
 * both from `prepare` stacked along the batch axis; these helpers stack and split them.
 */
import { tf } from '../../engine/backend';

export function stackPair(x: tf.Tensor4D, xAdv: tf.Tensor4D): tf.Tensor4D {
  const out = tf.concat([x, xAdv], 0);
  xAdv.dispose();
  return out;
}

/** Logits of a stacked batch → [clean, adversarial]. */
export function splitPair(logits: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  const n = logits.shape[0] / 2;
  return [tf.slice(logits, [0, 0], [n, -1]), tf.slice(logits, [n, 0], [n, -1])];
}
