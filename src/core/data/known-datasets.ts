/**
 * Public datasets the lab recognizes on import, so their classes get names without anyone typing
 * them (Fashion-MNIST's IDX files carry only label numbers). A split is recognized by the SHA-256 of
 * its label bytes (the IDX payload after the header, i.e. one uint8 per image), which is the same
 * for the raw and the gzipped download. A subset or reordering of the files is not recognized and
 * keeps numbered classes.
 */
import { createHash } from 'node:crypto';

export interface KnownDataset {
  name: string;
  classNames: string[];
  /** sha256 (hex) of the label bytes of each official split. */
  labelSha256: string[];
}

export const KNOWN_DATASETS: KnownDataset[] = [
  {
    name: 'Fashion-MNIST',
    // The label descriptions of the Fashion-MNIST README (Xiao, Rasul & Vollgraf, 2017).
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    labelSha256: [
      '657fbd221bfc9f4198cc14b5619cc33ec57c58dd0e47af4d99d6650759e869a7', // train-labels-idx1-ubyte
      '3d0e6c6ea990b53b6f8f500a41cac93881d981b315f84578b7d915342ade01e9', // t10k-labels-idx1-ubyte
    ],
  },
];

/** The known dataset whose official label files these are, if every given split matches one. */
export function recognizeLabels(splits: (ArrayLike<number> | undefined)[]): KnownDataset | null {
  const given = splits.filter((s): s is ArrayLike<number> => !!s);
  if (!given.length) return null;
  const hashes = given.map((labels) => createHash('sha256').update(Uint8Array.from(labels)).digest('hex'));
  return KNOWN_DATASETS.find((k) => hashes.every((h) => k.labelSha256.includes(h))) ?? null;
}
