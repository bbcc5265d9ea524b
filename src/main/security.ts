/**
 * The app window's security: where the renderer is served from (the privileged `app://lab/`
 * scheme in production, the Vite dev server in development), its Content-Security-Policy,
 * navigation and pop-up guards, permission denial, and the check that an IPC call comes from
 * the app's own page.
 * Runs in: Electron main.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { app, protocol, session, shell, type Session, type WebContents, type WebFrameMain } from 'electron';
import { contentSecurityPolicy, contentTypeFor, resolveStaticPath } from '../core/host/static';

export const APP_SCHEME = 'app';
export const APP_HOST = 'lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The dev server URL that `electron-vite dev` sets; never honoured in a packaged app. */
export function devServerUrl(): string | null {
  const url = process.env.ELECTRON_RENDERER_URL;
  return !app.isPackaged && url ? url : null;
}

/** The URL the window loads. */
export function appEntryUrl(): string {
  return devServerUrl() ?? `${APP_ORIGIN}/index.html`;
}

/** Is this URL a page of the app itself (and not anything else)? */
export function isAppUrl(raw: string | undefined | null): boolean {
  if (!raw) return false;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  const dev = devServerUrl();
  if (dev) {
    try {
      if (url.origin === new URL(dev).origin) return true;
    } catch {
      /* a malformed dev URL matches nothing */
    }
  }
  return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
}

/** Is this frame the app's own top-level page? */
export function isAppFrame(frame: WebFrameMain | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}

/** Must run before `app` is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
    },
  ]);
}

function rendererCsp(): string {
  return devServerUrl()
    ? // Vite's dev server: react-refresh injects an inline module script and HMR uses a socket.
      contentSecurityPolicy({ script: ["'unsafe-inline'"], connect: ['ws://localhost:*', 'ws://127.0.0.1:*'] })
    : contentSecurityPolicy();
}

/** Serve the built renderer at app://lab/ (after `app` is ready). */
export function serveRenderer(rendererDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const notFound = () => new Response('Not found.', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return notFound();
    }
    if (url.host !== APP_HOST || (request.method !== 'GET' && request.method !== 'HEAD')) return notFound();
    let file = resolveStaticPath(rendererDir, url.pathname);
    if (!file) return notFound();
    let info = await stat(file).catch(() => null);
    if ((!info || !info.isFile()) && path.extname(url.pathname) === '') {
      // Client-side routes get the app.
      file = path.join(rendererDir, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info || !info.isFile()) return notFound();
    const body = await readFile(file);
    const isHtml = path.extname(file).toLowerCase() === '.html';
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body.buffer, body.byteOffset, body.length), {
      status: 200,
      headers: {
        'Content-Type': contentTypeFor(file),
        'Content-Security-Policy': rendererCsp(),
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': isHtml ? 'no-store' : 'no-cache',
      },
    });
  });
}

/** CSP on every response, and no permissions for anyone (after `app` is ready). */
export function hardenSession(ses: Session = session.defaultSession): void {
  ses.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string | string[]> = { ...(details.responseHeaders ?? {}) };
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === 'content-security-policy') delete headers[key];
    }
    headers['Content-Security-Policy'] = [rendererCsp()];
    callback({ responseHeaders: headers });
  });
  // The one exception: writing to the clipboard from the app's own page (copy buttons).
  ses.setPermissionRequestHandler((wc, permission, callback) => {
    callback(permission === 'clipboard-sanitized-write' && isAppUrl(wc.getURL()));
  });
  ses.setPermissionCheckHandler((_wc, permission, origin) => {
    return permission === 'clipboard-sanitized-write' && isAppUrl(origin);
  });
}

function openExternally(url: string): void {
  try {
    const { protocol: scheme } = new URL(url);
    if (scheme === 'https:' || scheme === 'http:') void shell.openExternal(url);
  } catch {
    /* not a URL: nothing to open */
  }
}

/** No navigation away from the app, no pop-ups, no webviews: for every WebContents. */
export function guardWebContents(): void {
  app.on('web-contents-created', (_event, contents: WebContents) => {
    contents.on('will-navigate', (event) => {
      if (isAppUrl(event.url)) return;
      event.preventDefault();
      openExternally(event.url);
    });
    contents.on('will-redirect', (event) => {
      if (!isAppUrl(event.url)) event.preventDefault();
    });
    contents.setWindowOpenHandler(({ url }) => {
      openExternally(url);
      return { action: 'deny' };
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
