/**
 * Electron main: opens the lab folder, the window, the menu and the IPC bridge. Holds no lab
 * logic: every call goes to the Lab facade, every job runs in a utilityProcess worker.
 * Runs in: Electron main (ES module; bundled to out/main/index.js).
 *
 *   electron out/main/index.js [--lab DIR]
 */
import path from 'node:path';
import { app, BrowserWindow, dialog } from 'electron';
import { Lab, resolveLabDir } from '../core/service';
import { toLabError } from '../shared/envelope';
import { labSwitch } from './args';
import { registerIpc } from './ipc';
import { installMenu } from './menu';
import { paths, setupNativeEnv } from './paths';
import { appEntryUrl, guardWebContents, hardenSession, registerAppScheme, serveRenderer } from './security';
import { electronSpawnWorker } from './worker';

const APP_TITLE = 'Robustness Lab';
const devTools = !app.isPackaged;

// --- before ready ---------------------------------------------------------------------------
registerAppScheme();
app.enableSandbox();
guardWebContents();
const sqliteBinding = setupNativeEnv(process.versions.electron, app.isPackaged ? process.resourcesPath : undefined);
app.setAboutPanelOptions({
  applicationName: APP_TITLE,
  applicationVersion: app.getVersion(),
  copyright: 'Offline lab for adversarial and corruption robustness.',
});

let lab: Lab | null = null;
let disposeIpc: (() => void) | null = null;
let quitting = false;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    title: APP_TITLE,
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    webPreferences: {
      preload: paths.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools,
    },
  });
  const show = () => {
    if (!win.isDestroyed() && !win.isVisible()) win.show();
  };
  win.once('ready-to-show', show);
  // Show the window even if the page never finishes painting, so a broken page is visible.
  setTimeout(show, 5000).unref?.();
  win.webContents.on('did-fail-load', (_e, code, description, url) => {
    console.error(`[robustlab] the window failed to load ${url}: ${description} (${code})`);
  });
  void win.loadURL(appEntryUrl());
  return win;
}

function explainOpenFailure(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  if (/NODE_MODULE_VERSION|different Node\.js version|better_sqlite3\.node/i.test(raw)) {
    return (
      'The SQLite module (better-sqlite3) is not built for this version of Electron. ' +
      'Run "node scripts/electron-native.mjs" once on a machine with network access, then start the app again.' +
      (sqliteBinding ? '' : ' No Electron build of it was found.') +
      `\n\nDetails: ${raw}`
    );
  }
  return toLabError(err).message;
}

async function start(): Promise<void> {
  hardenSession();
  serveRenderer(paths.renderer);
  installMenu({ devTools });

  const labArg = labSwitch(process.argv);
  const labDir = resolveLabDir({
    lab: labArg ? path.resolve(labArg) : undefined,
    appDataDir: app.getPath('userData'),
  });
  try {
    lab = await Lab.open({ labDir, mode: 'electron', spawnWorker: electronSpawnWorker(paths.worker) });
  } catch (err) {
    console.error('[robustlab] could not open the lab folder:', err);
    dialog.showErrorBox(`${APP_TITLE} could not open the lab folder ${labDir}`, explainOpenFailure(err));
    app.exit(1);
    return;
  }
  disposeIpc = registerIpc(lab);
  createWindow();
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('activate', () => {
  if (lab && BrowserWindow.getAllWindows().length === 0) createWindow();
});

app.on('before-quit', (event) => {
  if (quitting || !lab) return;
  // Close the lab (stop workers, close SQLite) before the process goes away.
  event.preventDefault();
  quitting = true;
  const closing = lab;
  lab = null;
  disposeIpc?.();
  disposeIpc = null;
  closing
    .close()
    .catch((err: unknown) => console.error('[robustlab] closing the lab failed:', err))
    .finally(() => app.quit());
});

process.on('unhandledRejection', (reason) => {
  console.error('[robustlab] unhandled rejection in main:', reason);
});

app
  .whenReady()
  .then(start)
  .catch((err: unknown) => {
    console.error('[robustlab] the app failed to start:', err);
    dialog.showErrorBox(`${APP_TITLE} failed to start`, err instanceof Error ? err.message : String(err));
    app.exit(1);
  });
