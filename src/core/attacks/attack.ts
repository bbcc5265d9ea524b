/**
 * The one interface every attack implements. Attacks work on logits of a model in eval mode,
 * images float32 in [0,1] NHWC, and always return points inside the eps-ball and the pixel range.
 */
import type { tf } from '../engine/backend';
import type { Rng } from '../engine/random';
import type { Model } from '../models/model';
import type { RegistryEntry } from '../../shared/schemas';
import type { ParamValues } from '../params';

export interface AttackContext {
  rng: Rng;
  /** Yields to the event loop and throws if the job was cancelled. */
  tick: () => Promise<void>;
}

export interface AttackResult {
  /** The adversarial images, same shape as the input. */
  xAdv: tf.Tensor4D;
  /** 1 where the attack found a misclassified point (clean mistakes included). */
  fooled: Uint8Array;
  /** Forward+backward passes spent, per point. */
  gradEvals: number;
}

export interface Attack {
  entry: RegistryEntry;
  /** Checks that the parameters make sense together (beyond each one's range). */
  check?(params: ParamValues): void;
  run(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, params: ParamValues, ctx: AttackContext): Promise<AttackResult>;
  /** The L-inf or L2 radius these parameters allow, for reports. */
  radius?(params: ParamValues): { norm: 'linf' | 'l2'; eps: number };
}
