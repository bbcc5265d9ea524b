/** Plain names for stored things. */
import type { DatasetInfo, ModelInfo } from '../../shared/schemas';

export function sourceLabel(source: string): string {
  if (source.startsWith('builtin')) return 'Built-in';
  if (source === 'idx') return 'IDX files';
  if (source === 'trained') return 'Trained here';
  if (source === 'imported') return 'Imported';
  if (source === 'patched') return 'Patched';
  if (source.startsWith('corrupted:')) return 'Corrupted copy';
  return source;
}

export function shapeText(h: number, w: number, c: number): string {
  return `${h}×${w}×${c}`;
}

export function datasetShape(d: DatasetInfo): string {
  return shapeText(d.height, d.width, d.channels);
}

export function modelShape(m: ModelInfo): string {
  return shapeText(m.inputShape[0], m.inputShape[1], m.inputShape[2]);
}

/** Looks a dataset up by id or name. */
export function findDataset(list: DatasetInfo[] | undefined, idOrName: string | null | undefined): DatasetInfo | undefined {
  if (!list || !idOrName) return undefined;
  return list.find((d) => d.id === idOrName) ?? list.find((d) => d.name === idOrName);
}

export function findModel(list: ModelInfo[] | undefined, idOrName: string | null | undefined): ModelInfo | undefined {
  if (!list || !idOrName) return undefined;
  return list.find((m) => m.id === idOrName) ?? list.find((m) => m.name === idOrName);
}

/** The dataset as a spec names it: its name when unique (readable, repeatable), else its id. */
export function datasetRef(list: DatasetInfo[], id: string): string {
  const d = list.find((x) => x.id === id);
  if (!d) return id;
  return list.filter((x) => x.name === d.name).length === 1 ? d.name : d.id;
}

/** The model as a spec names it: its name when unique, else its id. */
export function modelRef(list: ModelInfo[], id: string): string {
  const m = list.find((x) => x.id === id);
  if (!m) return id;
  return list.filter((x) => x.name === m.name).length === 1 ? m.name : m.id;
}
