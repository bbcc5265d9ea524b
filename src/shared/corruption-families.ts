/**
 * The corruption families and suites with their plain titles, in the order the studio lists
 * them. The corruption registry (src/core/corruptions) tags each entry with one of each and
 * copies the titles into the entries it lists; nothing else keeps these names.
 */
export const CORRUPTION_FAMILIES = [
  { id: 'noise', title: 'Noise' },
  { id: 'blur', title: 'Blur' },
  { id: 'weather', title: 'Weather and light' },
  { id: 'digital', title: 'Digital' },
  { id: 'geometric', title: 'Geometric (MNIST-C)' },
  { id: 'overlay', title: 'Lines and stripes (MNIST-C)' },
  { id: 'labels', title: 'Label noise' },
  { id: 'data', title: 'Imbalance and backdoor' },
] as const;
export type CorruptionFamily = (typeof CORRUPTION_FAMILIES)[number]['id'];

export const CORRUPTION_SUITES = [
  { id: 'imagenet-c', title: 'ImageNet-C' },
  { id: 'imagenet-c-extra', title: 'ImageNet-C extra' },
  { id: 'mnist-c', title: 'MNIST-C' },
  { id: 'labels', title: 'labels' },
  { id: 'data', title: 'data' },
] as const;
export type CorruptionSuite = (typeof CORRUPTION_SUITES)[number]['id'];

export function corruptionFamilyTitle(id: string): string {
  return CORRUPTION_FAMILIES.find((f) => f.id === id)?.title ?? id;
}

export function corruptionSuiteTitle(id: string): string {
  return CORRUPTION_SUITES.find((s) => s.id === id)?.title ?? id;
}
