/**
 * IPC: one `ipcMain.handle` per API call, the event channel, and the native file picker.
 * Transport only: every call is validated here and then answered by the Lab facade.
 * Runs in: Electron main.
 */
import { BrowserWindow, dialog, ipcMain, type IpcMainInvokeEvent, type OpenDialogOptions } from 'electron';
import {
  API_METHODS,
  IPC_CALL_PREFIX,
  IPC_EVENT_CHANNEL,
  IPC_PICK_FILES,
  parseInput,
  type ApiMethod,
  type Envelope,
  type PickFilesOptions,
} from '../shared/api';
import type { LabEvent } from '../shared/schemas';
import { errorEnvelope, okEnvelope, toErrorEnvelope, toLabError } from '../shared/envelope';
import { isAppFrame } from './security';

/** The part of the Lab facade that IPC needs. */
export interface IpcLab {
  call(method: ApiMethod, input: unknown): Promise<unknown>;
  onEvent(listener: (e: LabEvent) => void): () => void;
}

const NOT_APP_MESSAGE = 'Only the Robustness Lab window may call the lab.';

function fromApp(event: IpcMainInvokeEvent): boolean {
  return isAppFrame(event.senderFrame);
}

function pickFilesOptions(raw: unknown): PickFilesOptions {
  const out: PickFilesOptions = {};
  if (!raw || typeof raw !== 'object') return out;
  const o = raw as Record<string, unknown>;
  if (typeof o.title === 'string') out.title = o.title.slice(0, 200);
  if (typeof o.multiple === 'boolean') out.multiple = o.multiple;
  if (Array.isArray(o.filters)) {
    out.filters = o.filters
      .filter((f): f is { name: string; extensions: unknown[] } => {
        const r = f as { name?: unknown; extensions?: unknown } | null;
        return !!r && typeof r.name === 'string' && Array.isArray(r.extensions);
      })
      .map((f) => ({
        name: f.name.slice(0, 200),
        extensions: f.extensions.filter((e): e is string => typeof e === 'string' && /^[\w.*-]{1,40}$/.test(e)),
      }));
  }
  return out;
}

/** Register every handler; returns a function that removes them all again. */
export function registerIpc(lab: IpcLab): () => void {
  for (const method of API_METHODS) {
    ipcMain.handle(IPC_CALL_PREFIX + method, async (event, input: unknown): Promise<Envelope<unknown>> => {
      if (!fromApp(event)) return errorEnvelope('unauthorized', NOT_APP_MESSAGE);
      try {
        const parsed = parseInput(method, input);
        return okEnvelope(await lab.call(method, parsed));
      } catch (err) {
        const e = toLabError(err);
        if (e.code === 'internal') console.error(`[robustlab] ${method} failed:`, err);
        return toErrorEnvelope(e);
      }
    });
  }

  ipcMain.handle(IPC_PICK_FILES, async (event, raw: unknown): Promise<string[]> => {
    if (!fromApp(event)) throw new Error(NOT_APP_MESSAGE);
    const opts = pickFilesOptions(raw);
    const dialogOptions: OpenDialogOptions = {
      title: opts.title,
      properties: opts.multiple ? ['openFile', 'multiSelections'] : ['openFile'],
      filters: opts.filters && opts.filters.length > 0 ? opts.filters : undefined,
    };
    const win = BrowserWindow.fromWebContents(event.sender);
    const result = win ? await dialog.showOpenDialog(win, dialogOptions) : await dialog.showOpenDialog(dialogOptions);
    return result.canceled ? [] : result.filePaths;
  });

  const unsubscribe = lab.onEvent((e) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed() && !win.webContents.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, e);
    }
  });

  return () => {
    unsubscribe();
    for (const method of API_METHODS) ipcMain.removeHandler(IPC_CALL_PREFIX + method);
    ipcMain.removeHandler(IPC_PICK_FILES);
  };
}
