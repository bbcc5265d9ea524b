/**
 * The facade's bring-your-own calls (see the table in src/shared/api.ts): dataset import preview
 * and import jobs, dataset export, layer-list architectures, model/architecture matching and
 * model export bundles. Each delegates to core/data/byo or core/models/byo.
 */
import path from 'node:path';
import type { ApiMethod, ApiOutputs, ApiParsed } from '../shared/api';
import { LabError } from '../shared/errors';
import type { JobSpec, LabEvent, RunInfo } from '../shared/schemas';
import { detectFormat, exportDataset, previewDatasetSource } from './data/byo';
import { architectureDetail, architectureSummary, layerListDetail, proposeArchitectures } from './models/byo';
import { parseLayerList, pytorchSnippet } from './models/layer-list';
import { ARCHITECTURES, getArchitecture } from './models/registry';
import { architectureUses, deleteArchitecture, insertArchitecture, renameArchitecture } from './store/architecture-store';
import type { LabStore } from './store/store';
import type { LayerListSpec } from '../shared/byo';

type ByoMethod =
  | 'previewDatasetImport'
  | 'submitImport'
  | 'exportDataset'
  | 'addArchitecture'
  | 'checkArchitecture'
  | 'getArchitecture'
  | 'proposeArchitecture'
  | 'architectureUses'
  | 'renameArchitecture'
  | 'deleteArchitecture'
  | 'modelBundle';

export type ByoHandlers = { [M in ByoMethod & ApiMethod]: (input: ApiParsed<M>) => ApiOutputs[M] | Promise<ApiOutputs[M]> };

/** `lab` gives the store lazily: the facade builds its handler table before its constructor body runs. */
export function byoHandlers(lab: () => { store: LabStore; submitJob(spec: JobSpec): RunInfo; emit(e: LabEvent): void }): ByoHandlers {
  const store = () => lab().store;
  return {
    previewDatasetImport: ({ perClass, format, ...src }) =>
      previewDatasetSource({ ...src, format: format === 'auto' ? detectFormat(path.resolve(src.path ?? '.')) : format }, perClass),
    submitImport: (spec) => lab().submitJob(spec),
    exportDataset: (req) => exportDataset(store(), req),
    addArchitecture: ({ spec, name }) => {
      const ll = parseLayerList(spec, name);
      if (Object.prototype.hasOwnProperty.call(ARCHITECTURES, ll.name)) {
        throw new LabError('conflict', `"${ll.name}" is a built-in architecture; give the layer list another name.`);
      }
      const row = insertArchitecture(store(), ll);
      lab().emit({ type: 'catalog' });
      return architectureDetail(row.name, row.createdAt);
    },
    checkArchitecture: ({ spec, name }) => layerListDetail(parseLayerList(spec, name)),
    getArchitecture: ({ name }) => architectureDetail(name),
    proposeArchitecture: ({ file }) => proposeArchitectures(path.resolve(file)),
    architectureUses: ({ name }) => architectureUses(store(), name),
    renameArchitecture: ({ name, newName }) => {
      const row = renameArchitecture(store(), name, newName);
      lab().emit({ type: 'catalog' });
      return architectureDetail(row.name, row.createdAt);
    },
    deleteArchitecture: ({ name }) => {
      const out = deleteArchitecture(store(), name);
      lab().emit({ type: 'catalog' });
      return out;
    },
    modelBundle: ({ model }) => {
      const m = store().getModel(model);
      const arch = getArchitecture(m.arch);
      const ll = (arch as { layerList?: LayerListSpec }).layerList ?? null;
      const [h, w, c] = m.inputShape;
      return {
        modelId: m.id,
        arch: m.arch,
        layerList: ll,
        pytorch: ll ? pytorchSnippet(ll, `${m.name}.safetensors`) : null,
        summary: architectureSummary(m.arch, { height: h, width: w, channels: c }, m.numClasses),
      };
    },
  };
}
