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

/** Plain titles of the metric keys runs log (UI tables and charts); other keys get a title made from the key. */
export const METRIC_TITLES: Record<string, string> = {
  [METRIC.trainLoss]: 'Training loss',
  [METRIC.trainAccuracy]: 'Training accuracy',
  [METRIC.testLoss]: 'Test loss',
  [METRIC.testAccuracy]: 'Test accuracy',
  [METRIC.trainEpochLoss]: 'Training loss (epoch mean)',
  [METRIC.trainImagesPerSec]: 'Training speed (images/s)',
  [METRIC.trainSeconds]: 'Training time (s)',
  lr: 'Learning rate',
  clean_accuracy: 'Clean accuracy',
  robust_accuracy: 'Robust accuracy',
  certified_accuracy: 'Certified accuracy',
  [METRIC.testPgdAccuracy]: 'Test accuracy under PGD',
  [METRIC.testCertifiedAccuracy]: 'Certified test accuracy',
  [METRIC.valLoss]: 'Validation loss',
  [METRIC.valAccuracy]: 'Validation accuracy',
  [METRIC.valPgdAccuracy]: 'Validation accuracy under PGD',
  [METRIC.valCertifiedAccuracy]: 'Certified validation accuracy',
  [METRIC.trainAdvAccuracy]: 'Training accuracy on attacked images',
  'train/clean_accuracy': 'Training accuracy on clean images',
  'train/certified_accuracy': 'Certified training accuracy',
  'train/robust_loss': 'Training loss in the worst case',
  'train/eps': 'Training eps',
  'train/kappa': 'Clean-loss weight (kappa)',
  [METRIC.keptTestAccuracy]: 'Test accuracy of the kept epoch',
  [METRIC.keptTestLoss]: 'Test loss of the kept epoch',
  [METRIC.bestEpoch]: 'Best epoch',
  [METRIC.earlyStopEpoch]: 'Stopped early at epoch',
  ece_clean: 'Calibration error (clean)',
  ece_adversarial: 'Calibration error (attacked)',
  worst_class_accuracy: 'Worst-class accuracy',
  worst_class_robust_accuracy: 'Worst-class robust accuracy',
  corruption_accuracy: 'Mean corruption accuracy',
  mce: 'mCE',
  relative_mce: 'Relative mCE',
  images: 'Images written',
  'time/seconds': 'Time (s)',
  images_per_s: 'Speed (images/s)',
  'train/label_noise_rate': 'Label-noise rate (training split)',
  'test/label_noise_rate': 'Label-noise rate (test split)',
  'train/poisoned': 'Poisoned images (training split)',
  'test/poisoned': 'Poisoned images (test split)',
};
