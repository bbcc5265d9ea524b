/** Image, label and data corruptions: the registry, recipes, the corrupt job and the studio's preview. */
export { CORRUPTIONS, IMAGENET_C_15, IMAGENET_C_EXTRA, MNIST_C_15, getCorruption, listCorruptions, resolveStep } from './registry';
export { applyRecipe, runRecipe, planSplit, corruptImage, corruptImages, resolveRecipe, type RecipeResult, type SplitReport } from './recipe';
export { corruptDataset, runCorruptJob, resolveCorruptSpec, type StoredRecipe } from './job';
export { previewCorruption, checkCorruptSpec, regenerateSpec } from './service';
export { labelNoiseRate, estimateTransition, validateTransitionMatrix, symmetricMatrix, pairFlipMatrix } from './labels';
export { longTailCounts } from './data';
export type { Corruption, ImageCorruption, SplitCorruption, CorruptionFamily, CorruptionSuite } from './types';
