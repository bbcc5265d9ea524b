/**
 * The one interface every attack implements. Attacks work on logits of a model in eval mode,
 * images float32 in [0,1] NHWC, and always return points inside the allowed region (the
 * eps-ball of their norm intersected with the pixel range).
 *
 * Two kinds of attack share it:
 * - 'bounded' attacks (FGSM, PGD, APGD, Square, MD, AutoAttack) search inside a fixed radius eps
 *   and report which points they broke;
 * - 'minimal' attacks (DeepFool, C&W, pgd-min) search for the smallest perturbation that breaks
 *   each point and report its size in `perturbation`; `fooled` then means "broken by a
 *   perturbation no larger than the radius eps given in the parameters".
 */
import type { tf } from '../engine/backend';
import type { Rng } from '../engine/random';
import type { Model } from '../models/model';
import type { RegistryEntry } from '../../shared/schemas';
import type { ParamValues } from '../params';

export type Norm = 'linf' | 'l2';

/**
 * What an attack says about where it is when it ticks (all optional): the job turns the latest
 * one into a progress event at least every second or two (src/core/jobs/context.ts).
 */
export interface TickInfo {
  /** Steps (or queries, for black-box attacks) done of `iterations`, across restarts and targets. */
  iteration?: number;
  iterations?: number;
  /** Points of the attack's input not broken yet, of `points`. */
  unbroken?: number;
  points?: number;
  /** Ensembles (AutoAttack): the member running, 0-based, of `stages`. */
  stage?: string;
  stageIndex?: number;
  stages?: number;
}

/** Yields to the event loop (cancel messages arrive), reports where the attack is, and throws once the job was cancelled. */
export type Tick = (info?: TickInfo) => Promise<void>;

export interface AttackContext {
  rng: Rng;
  /** Yields to the event loop and throws if the job was cancelled; called at least once per step. */
  tick: Tick;
  /** The number of classes the model predicts (attacks that need it read the logits otherwise). */
  numClasses?: number;
}

/** One member of an ensemble (AutoAttack), on the full batch it was given. */
export interface StageResult {
  name: string;
  title: string;
  /** 1 for the points this stage broke (that no earlier stage had broken). */
  broke: Uint8Array;
  /** How many points the stage ran on (the ones still robust when it started). */
  ran: number;
  seconds: number;
  /** Of `seconds`, the time inside the model (forward, and forward + backward passes); the rest is the attack's own work. */
  modelSeconds?: number;
  /** Gradient evaluations, summed over the points (one point through one forward+backward = 1). */
  gradEvals: number;
  /** Forward-only passes, summed over the points. */
  queries: number;
  /** Why the stage did not run, when it did not. */
  skipped?: string;
}

export interface AttackResult {
  /** The adversarial images, same shape as the input. */
  xAdv: tf.Tensor4D;
  /**
   * 1 where the attack found a misclassified point inside the allowed region (clean mistakes
   * included). For targeted attacks too: any misclassification counts, `targetHit` says which
   * points reached the target class.
   */
  fooled: Uint8Array;
  /** Forward+backward passes spent, per point (the batch total divided by the batch size). */
  gradEvals: number;
  /** Forward-only passes (queries) spent, per point (the batch total divided by the batch size). */
  queries?: number;
  /** Black-box attacks: queries spent on each point. */
  queriesPerPoint?: Float32Array;
  /**
   * Minimal-perturbation attacks: the size (in the attack's norm) of the smallest breaking
   * perturbation found for each point; 0 for points misclassified already, Infinity where none
   * was found.
   */
  perturbation?: Float32Array;
  /** Targeted attacks: the class each point was pushed towards, and whether it got there. */
  targets?: Int32Array;
  targetHit?: Uint8Array;
  /** Ensembles: what each member did. */
  stages?: StageResult[];
}

export interface Attack {
  entry: RegistryEntry;
  /** 'bounded' (default) or 'minimal' (searches the smallest breaking perturbation). */
  kind?: 'bounded' | 'minimal';
  /** True for attacks that use only the model's outputs (no gradients). */
  blackBox?: boolean;
  /** Checks that the parameters make sense together (beyond each one's range). */
  check?(params: ParamValues): void;
  /** The fewest classes the attack works with (e.g. 3 for the DLR loss); checked before it runs. */
  minClasses?(params: ParamValues): number;
  run(model: Model, x: tf.Tensor4D, y: tf.Tensor1D, params: ParamValues, ctx: AttackContext): Promise<AttackResult>;
  /** The L-inf or L2 radius these parameters allow, for reports. */
  radius?(params: ParamValues): { norm: Norm; eps: number } | null;
}

/** How many entries of a 0/1 flag array are 0 (points not broken yet), for TickInfo.unbroken. */
export function countZeros(flags: Uint8Array): number {
  let z = 0;
  for (let i = 0; i < flags.length; i++) if (!flags[i]) z++;
  return z;
}
