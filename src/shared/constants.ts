/**
 * Names that several layers use and that are not registry entries of their own: the attack name
 * for "no attack", the bound-propagation methods, and the metric keys training runs log.
 * Everything that shows or checks one of these imports it from here.
 */

/** The attack registry's entry for "no attack: clean accuracy only" (src/core/attacks/registry.ts). */
export const NO_ATTACK = 'none';

/** Bound-propagation methods of src/core/certify: IBP (interval bounds) and CROWN (linear bounds). */
export const CERTIFY_METHODS = ['ibp', 'crown'] as const;
export type CertifyMethodName = (typeof CERTIFY_METHODS)[number];

/** Metric keys a training run logs (src/core/training/trainer.ts, monitor.ts) and the UI and CLI read. */
export const METRIC = {
  trainLoss: 'train/loss',
  trainEpochLoss: 'train/epoch_loss',
  trainAccuracy: 'train/accuracy',
  trainAdvAccuracy: 'train/adv_accuracy',
  trainImagesPerSec: 'train/images_per_sec',
  testLoss: 'test/loss',
  testAccuracy: 'test/accuracy',
  testPgdAccuracy: 'test/pgd_accuracy',
  testCertifiedAccuracy: 'test/certified_accuracy',
  valLoss: 'val/loss',
  valAccuracy: 'val/accuracy',
  valPgdAccuracy: 'val/pgd_accuracy',
  valCertifiedAccuracy: 'val/certified_accuracy',
  keptTestAccuracy: 'kept/test_accuracy',
  keptTestLoss: 'kept/test_loss',
  bestEpoch: 'best/epoch',
  earlyStopEpoch: 'early_stop/epoch',
  trainSeconds: 'time/train_seconds',
} as const;
export type MetricKey = (typeof METRIC)[keyof typeof METRIC];
