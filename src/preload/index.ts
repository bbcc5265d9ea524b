/**
 * Preload: exposes `window.lab` (a `PreloadLab`) to the renderer, and nothing else.
 * Runs in: the sandboxed preload context of the app window. It may only `require('electron')`,
 * so it imports nothing at runtime from src/shared (that would pull zod into the bundle): the
 * channel names and the method list are repeated here, and type-level checks below fail the
 * typecheck the moment they drift from src/shared/api.ts.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type * as Api from '../shared/api';
import type { LabEvent } from '../shared/schemas';

const IPC_CALL_PREFIX: typeof Api.IPC_CALL_PREFIX = 'lab:';
const IPC_EVENT_CHANNEL: typeof Api.IPC_EVENT_CHANNEL = 'lab:event';
const IPC_PICK_FILES: typeof Api.IPC_PICK_FILES = 'app:pick-files';

const API_METHODS = [
  'status',
  'queryRuns',
  'checkQuery',
  'groupRuns',
  'setRunFlags',
  'deleteRuns',
  'restoreRuns',
  'compareRuns',
  'exportComparison',
  'exportRuns',
  'importRuns',
  'listViews',
  'saveView',
  'deleteView',
  'runLineage',
  'listDatasets',
  'importDataset',
  'datasetSamples',
  'listArchitectures',
  'listAttacks',
  'listMethods',
  'listModels',
  'importModel',
  'submitTrain',
  'submitEval',
  'cancelRun',
  'resumeTrain',
  'doctor',
  'listRuns',
  'getRun',
  'updateRun',
  'listEvaluations',
  'exportEvaluation',
  'listCorruptions',
  'previewCorruption',
  'submitCorrupt',
  'regenerateDataset',
  'updateDataset',
  'updateModel',
  'listDependents',
  'deleteItem',
  'undoDelete',
  'exportModelWeights',
  'previewDatasetImport',
  'submitImport',
  'exportDataset',
  'addArchitecture',
  'checkArchitecture',
  'getArchitecture',
  'proposeArchitecture',
  'architectureUses',
  'renameArchitecture',
  'deleteArchitecture',
  'modelBundle',
  'checkLab',
  'listSignatures',
  'getSignature',
  'extractSignature',
  'deleteSignature',
  'layerDeltas',
  'estimatePatch',
  'transferCheck',
  'patchModel',
  'patchLineage',
  'submitFamily',
  'submitPatchSweep',
  'planSweep',
  'submitSweep',
  'listSweeps',
  'getSweep',
  'controlSweep',
  'workerBundle',
  'workerFile',
  'workerCheckpoint',
  'workerResult',
  'listWorkers',
] as const satisfies readonly Api.ApiMethod[];

// Every ApiMethod must be in the list above (the `satisfies` checks the other direction).
type MissingMethods = Exclude<Api.ApiMethod, (typeof API_METHODS)[number]>;
const everyMethodListed: [MissingMethods] extends [never] ? true : MissingMethods = true;
void everyMethodListed;

const calls = Object.fromEntries(
  API_METHODS.map((method) => [method, (input: unknown) => ipcRenderer.invoke(IPC_CALL_PREFIX + method, input)]),
) as Pick<Api.PreloadLab, Api.ApiMethod>;

const lab: Api.PreloadLab = {
  ...calls,
  onEvent(cb: (event: LabEvent) => void): () => void {
    if (typeof cb !== 'function') throw new TypeError('lab.onEvent needs a function.');
    // Only the payload crosses over, never the IpcRendererEvent (it carries `sender`).
    const listener = (_event: IpcRendererEvent, payload: LabEvent) => cb(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, listener);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, listener);
    };
  },
  pickFiles(opts: Api.PickFilesOptions): Promise<string[]> {
    return ipcRenderer.invoke(IPC_PICK_FILES, opts ?? {});
  },
};

contextBridge.exposeInMainWorld('lab', lab);
