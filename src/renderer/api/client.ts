/**
 * The renderer's only door to the lab. In Electron it unwraps the envelopes that the preload's
 * `window.lab` returns; in web mode it speaks HTTP + WebSocket to the loopback server. Either
 * way the pages see one `lab` object: one async function per API method (throwing a LabError),
 * plus events, a file picker and the mode.
 */
import {
  API_METHODS,
  TOKEN_HEADER,
  type ApiMethod,
  type Envelope,
  type LabApi,
  type PickFilesOptions,
  type PreloadLab,
} from '../../shared/api';
import { LabError, isLabErrorCode } from '../../shared/errors';
import type { LabEvent } from '../../shared/schemas';

export type LabMode = 'electron' | 'web';

export type LabClient = LabApi & {
  onEvent(cb: (event: LabEvent) => void): () => void;
  pickFiles(opts: PickFilesOptions): Promise<string[]>;
  /**
   * Web mode: uploads dropped files keeping their paths inside the dropped folder and returns
   * the folder they landed in on the lab's machine (the Datasets page's drop zone). Absent in
   * Electron, where the page asks for the folder's path instead.
   */
  uploadFolder?(files: { file: File; relPath: string }[], onProgress?: (done: number, total: number) => void): Promise<string>;
  mode: LabMode;
};

declare global {
  interface Window {
    lab?: PreloadLab;
  }
}

const TOKEN_STORAGE_KEY = 'robustlab.token';

function unwrap<T>(env: Envelope<T> | null | undefined): T {
  if (!env || typeof env !== 'object' || !('ok' in env)) {
    throw new LabError('internal', 'Internal error: the lab sent an answer this page cannot read.');
  }
  if (env.ok) return env.result;
  const code = isLabErrorCode(env.error.code) ? env.error.code : 'internal';
  throw new LabError(code, env.error.message);
}

// ---------------------------------------------------------------------------------------------
// Electron: window.lab from the preload
// ---------------------------------------------------------------------------------------------
function electronClient(pre: PreloadLab): LabClient {
  const api = {} as Record<ApiMethod, (input: unknown) => Promise<unknown>>;
  for (const method of API_METHODS) {
    api[method] = async (input: unknown) => {
      const call = pre[method] as (i: unknown) => Promise<Envelope<unknown>>;
      let env: Envelope<unknown>;
      try {
        env = await call(input ?? {});
      } catch (err) {
        throw LabError.from(err);
      }
      return unwrap(env);
    };
  }
  connectionState = true;
  // One IPC subscription, fanned out to every listener in the page.
  const listeners = new Set<(e: LabEvent) => void>();
  let unsubscribe: (() => void) | null = null;
  const onEvent = (cb: (e: LabEvent) => void): (() => void) => {
    listeners.add(cb);
    if (!unsubscribe) {
      unsubscribe = pre.onEvent((event) => {
        for (const l of [...listeners]) {
          try {
            l(event);
          } catch (err) {
            console.error('Event listener failed', err);
          }
        }
      });
    }
    return () => {
      listeners.delete(cb);
      if (listeners.size === 0 && unsubscribe) {
        unsubscribe();
        unsubscribe = null;
      }
    };
  };
  return {
    ...(api as unknown as LabApi),
    onEvent,
    pickFiles: (opts) => pre.pickFiles(opts),
    mode: 'electron',
  };
}

// ---------------------------------------------------------------------------------------------
// Web mode: HTTP for calls, a WebSocket for events
// ---------------------------------------------------------------------------------------------

/** Reads `?token=` once, keeps it for this tab, and takes it out of the address bar. */
function takeToken(): string | null {
  let stored: string | null = null;
  try {
    stored = sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    /* storage may be disabled; the cookie still works */
  }
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    try {
      sessionStorage.setItem(TOKEN_STORAGE_KEY, fromUrl);
    } catch {
      /* ignore */
    }
    params.delete('token');
    const rest = params.toString();
    const clean = location.pathname + (rest ? `?${rest}` : '') + location.hash;
    try {
      history.replaceState(history.state, '', clean);
    } catch {
      /* ignore */
    }
    return fromUrl;
  }
  return stored;
}

const UNREACHABLE =
  'Cannot reach the lab server. Check that `robustlab web` is still running, then reload this page.';

function webClient(): LabClient {
  const token = takeToken();
  const headers = (extra: Record<string, string>): Record<string, string> =>
    token ? { ...extra, [TOKEN_HEADER]: token } : extra;

  async function post<T>(url: string, body: BodyInit, contentType: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: headers({ 'content-type': contentType }),
        body,
        credentials: 'same-origin',
      });
    } catch {
      throw new LabError('unavailable', UNREACHABLE);
    }
    let env: Envelope<T>;
    try {
      env = (await res.json()) as Envelope<T>;
    } catch {
      if (res.status === 401 || res.status === 403) {
        throw new LabError(
          'unauthorized',
          'This page has no valid access token. Open the address that `robustlab web` printed (it ends in ?token=…).',
        );
      }
      throw new LabError('internal', `Internal error: the lab server answered ${res.status} ${res.statusText}.`);
    }
    return unwrap(env);
  }

  const api = {} as Record<ApiMethod, (input: unknown) => Promise<unknown>>;
  for (const method of API_METHODS) {
    api[method] = (input: unknown) =>
      post(`api/${method}`, JSON.stringify(input ?? {}), 'application/json');
  }

  // Events: one shared socket, opened on the first subscriber, reopened with backoff.
  const listeners = new Set<(e: LabEvent) => void>();
  let socket: WebSocket | null = null;
  let retryMs = 500;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  function eventsUrl(): string {
    const url = new URL('api/events', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = token ? `?token=${encodeURIComponent(token)}` : '';
    url.hash = '';
    return url.toString();
  }

  function open(): void {
    if (socket || listeners.size === 0) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(eventsUrl());
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      setConnection(true);
    };
    ws.onmessage = (msg) => {
      if (typeof msg.data !== 'string') return;
      let event: LabEvent;
      try {
        event = JSON.parse(msg.data) as LabEvent;
      } catch {
        return;
      }
      for (const cb of [...listeners]) {
        try {
          cb(event);
        } catch (err) {
          console.error('Event listener failed', err);
        }
      }
    };
    ws.onclose = () => {
      if (socket === ws) socket = null;
      setConnection(false);
      scheduleReconnect();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }

  function scheduleReconnect(): void {
    if (retryTimer || listeners.size === 0) return;
    const wait = retryMs;
    retryMs = Math.min(retryMs * 2, 10_000);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      open();
    }, wait);
  }

  function onEvent(cb: (e: LabEvent) => void): () => void {
    listeners.add(cb);
    open();
    return () => {
      listeners.delete(cb);
    };
  }

  async function pickFiles(opts: PickFilesOptions): Promise<string[]> {
    const files = await chooseLocalFiles(opts);
    const paths: string[] = [];
    for (const file of files) {
      const r = await post<{ path: string }>(
        `api/upload?filename=${encodeURIComponent(file.name)}`,
        file,
        'application/octet-stream',
      );
      paths.push(r.path);
    }
    return paths;
  }

  async function uploadFolder(files: { file: File; relPath: string }[], onProgress?: (done: number, total: number) => void): Promise<string> {
    if (files.length === 0) throw new LabError('bad_input', 'Nothing was dropped.');
    let done = 0;
    const send = async (f: { file: File; relPath: string }, dir: string | null) => {
      const q = `filename=${encodeURIComponent(f.file.name)}&relpath=${encodeURIComponent(f.relPath)}${dir ? `&dir=${dir}` : ''}`;
      const r = await post<{ path: string; dir: string; root: string }>(`api/upload?${q}`, f.file, 'application/octet-stream');
      onProgress?.(++done, files.length);
      return r;
    };
    // The first file fixes the folder; the rest go into it, a few at once.
    const first = await send(files[0]!, null);
    const queue = files.slice(1);
    const worker = async () => {
      for (let f = queue.shift(); f; f = queue.shift()) await send(f, first.dir);
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    const root = first.root;
    return root;
  }

  return { ...(api as unknown as LabApi), onEvent, pickFiles, uploadFolder, mode: 'web' };
}

/** Opens the browser's file chooser; resolves to [] when the person cancels. */
function chooseLocalFiles(opts: PickFilesOptions): Promise<File[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    input.multiple = !!opts.multiple;
    const exts = (opts.filters ?? []).flatMap((f) => f.extensions);
    // Files such as MNIST's `train-images-idx3-ubyte` have no dot; only filter when safe.
    if (exts.length > 0 && !exts.includes('*')) input.accept = exts.map((e) => `.${e}`).join(',');
    input.style.display = 'none';
    let done = false;
    const finish = (files: File[]) => {
      if (done) return;
      done = true;
      input.remove();
      resolve(files);
    };
    input.addEventListener('change', () => finish(Array.from(input.files ?? [])));
    input.addEventListener('cancel', () => finish([]));
    document.body.appendChild(input);
    input.click();
  });
}

// ---------------------------------------------------------------------------------------------
// Connection state (web mode's event socket), for the status bar.
// ---------------------------------------------------------------------------------------------
let connectionState = false;
const connectionListeners = new Set<(connected: boolean) => void>();

function setConnection(connected: boolean): void {
  if (connected === connectionState) return;
  connectionState = connected;
  for (const cb of [...connectionListeners]) cb(connected);
}

/** Calls `cb` whenever live updates connect or drop; returns the unsubscribe function. */
export function onConnectionChange(cb: (connected: boolean) => void): () => void {
  connectionListeners.add(cb);
  return () => {
    connectionListeners.delete(cb);
  };
}

export function isConnected(): boolean {
  return connectionState;
}

export const lab: LabClient =
  typeof window !== 'undefined' && window.lab ? electronClient(window.lab) : webClient();
