/**
 * What a corruption is. Two kinds live in one registry:
 * - image corruptions change the pixels of each image on its own (noise, blur, weather, digital,
 *   MNIST-C), with a per-image random stream;
 * - split corruptions look at the whole split at once (label noise, class imbalance, backdoor
 *   poisoning): they decide from the labels alone which examples change, so the decision is the
 *   same whether the whole split or a preview of a few images is processed.
 *
 * Runs in: anywhere.
 */
import type { ParamDescriptor } from '../../shared/schemas';
import type { Rng } from '../engine/random';
import type { ParamValues } from '../params';
import type { FloatImage } from './image';

import type { CorruptionFamily, CorruptionSuite } from '../../shared/corruption-families';

export type { CorruptionFamily, CorruptionSuite };

interface CorruptionBase {
  name: string;
  title: string;
  description: string;
  family: CorruptionFamily;
  suite: CorruptionSuite;
  params: ParamDescriptor[];
  /** Severity used when a step gives none (MNIST-C: the published one; otherwise 3). */
  defaultSeverity: number;
  /** False when the severity has no effect (e.g. an explicit transition matrix). */
  usesSeverity: boolean;
  /** A structured input a step needs besides params: a class map or a transition matrix. */
  needs?: 'classMap' | 'matrix';
}

export interface ImageCorruption extends CorruptionBase {
  kind: 'image';
  /** Needs colour (RGB) images; refused on grey ones with a sentence saying why. */
  colourOnly?: string;
  /**
   * Corrupts one image (1 grey or 3 RGB channels; an alpha channel is split off and kept by
   * the caller). May return a new image or modify `img`; the caller clips to [0, 1].
   */
  apply(img: FloatImage, severity: number, params: ParamValues, rng: Rng): FloatImage;
  /**
   * Optional: corrupts several images at once with exactly the result `apply` gives each (used
   * where one call per image is slow, e.g. JPEG encoding, which packs the images into one file).
   */
  applyBatch?(imgs: FloatImage[], severity: number, params: ParamValues, rngs: Rng[]): FloatImage[];
}

/** What the split-level corruptions work on: the current examples, by their index in the source split. */
export interface PlanState {
  /** Index in the source split of every current example (ascending). */
  origins: Int32Array;
  /** Current label of every current example. */
  labels: Int32Array;
  numClasses: number;
  height: number;
  width: number;
  channels: number;
}

/** A stamp to put on some images at this step of the pipeline (backdoor triggers). */
export interface StampPlan {
  /** By source index: 1 where the image gets the stamp. */
  marked: Uint8Array;
  stamp(img: FloatImage, rng: Rng): void;
}

export interface SplitCorruption extends CorruptionBase {
  kind: 'split';
  /**
   * Changes the plan state: new labels, fewer examples (kept in order), or images to stamp.
   * `extra` carries structured inputs (class map, transition matrix).
   */
  plan(
    state: PlanState,
    severity: number,
    params: ParamValues,
    extra: { classMap?: number[]; matrix?: number[][] },
    rng: Rng,
  ): { state: PlanState; stamp?: StampPlan; note?: Record<string, unknown> };
}

export type Corruption = ImageCorruption | SplitCorruption;
