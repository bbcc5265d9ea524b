/**
 * Named sets of corruptions from the published benchmarks, used by the core's registry and
 * benchmark and by the renderer's benchmark form.
 */
/** The 15 ImageNet-C / CIFAR-10-C benchmark corruptions, in the published order. */
export const IMAGENET_C_15 = [
  'gaussian_noise',
  'shot_noise',
  'impulse_noise',
  'defocus_blur',
  'glass_blur',
  'motion_blur',
  'zoom_blur',
  'snow',
  'frost',
  'fog',
  'brightness',
  'contrast',
  'elastic_transform',
  'pixelate',
  'jpeg_compression',
] as const;
