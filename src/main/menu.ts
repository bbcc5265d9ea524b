/**
 * The application menu: Quit, Reload, DevTools (development only), About, and the standard
 * Edit roles so copy and paste work in text fields on every platform.
 * Runs in: Electron main.
 */
import { app, Menu, type MenuItemConstructorOptions } from 'electron';

export function installMenu(opts: { devTools: boolean }): void {
  const isMac = process.platform === 'darwin';
  const about: MenuItemConstructorOptions = { label: `About ${app.name}`, click: () => app.showAboutPanel() };
  const template: MenuItemConstructorOptions[] = [
    ...(isMac
      ? [{ label: app.name, submenu: [about, { type: 'separator' }, { role: 'quit' }] } as MenuItemConstructorOptions]
      : []),
    { label: 'File', submenu: [isMac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' }] },
    {
      label: 'Edit',
      submenu: [
        { role: 'undo' },
        { role: 'redo' },
        { type: 'separator' },
        { role: 'cut' },
        { role: 'copy' },
        { role: 'paste' },
        { role: 'selectAll' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        ...(opts.devTools ? ([{ role: 'toggleDevTools' }] as MenuItemConstructorOptions[]) : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'help', submenu: [about] },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
