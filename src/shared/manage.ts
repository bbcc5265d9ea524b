/**
 * Managing datasets and models: rename, what depends on them, delete with undo, download.
 */
import { z } from 'zod';
import { idOrName } from './refs';

const newName = z.string().trim().min(1, 'Give a name.').max(120, 'Names are at most 120 characters.');
export const UpdateDatasetRequestSchema = z.object({
  dataset: idOrName,
  name: newName.optional(),
  /** One name per class, in label order. */
  classNames: z.array(z.string().trim().min(1, 'Class names must not be empty.').max(60)).min(1).max(1000).optional(),
});
export const UpdateModelRequestSchema = z.object({ model: idOrName, name: newName });
export const ItemRefSchema = z.object({ kind: z.enum(['dataset', 'model']), id: idOrName });
export const UndoDeleteRequestSchema = z.object({ undoToken: z.string().min(1) });
export const ModelRefSchema = z.object({ model: idOrName });

/** Something that names a dataset or model; `blocks` when it would lose what it needs. */
export interface Dependent {
  kind: 'run' | 'model' | 'dataset' | 'evaluation' | (string & {});
  id: string;
  name: string;
  /** What it does with the item, e.g. "was trained on it". */
  how: string;
  blocks: boolean;
}

export interface Dependents {
  id: string;
  name: string;
  dependents: Dependent[];
}

export interface DeletedItem {
  kind: 'dataset' | 'model';
  id: string;
  name: string;
  undoToken: string;
  /** ISO time until which restoreDeleted works. */
  undoUntil: string;
}
