/**
 * Web mode host: serves the built renderer and the lab API over HTTP + WebSocket on loopback.
 * Runs in: plain Node (the `robustlab web` command). Transport only; every call goes to the Lab.
 *
 * Protocol (the renderer's web client is written against exactly this):
 * - Every request carries the access token: header `x-robustlab-token`, query `?token=`, or the
 *   cookie `robustlab_token` (set HttpOnly by any GET that brings a valid `?token=`).
 * - The Host header must name this server on a loopback address (DNS rebinding); a request with
 *   an Origin header must come from this same origin.
 * - `POST /api/<method>` with a JSON body -> 200 `Envelope` JSON.
 * - `POST /api/upload?filename=NAME` with the raw file as body -> `Envelope<{ path }>`.
 * - WebSocket `/api/events`: every LabEvent as one JSON text message.
 * - Anything else: static files of the built renderer (`/` is index.html).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { WebSocket } from 'ws';
import { lazyModule } from '../core/engine/lazy-require';

// Loaded when a server starts, not by every command that bundles this file.
const wsModule = lazyModule<typeof import('ws')>('ws');
import { TOKEN_COOKIE, TOKEN_HEADER, isApiMethod, parseInput, type Envelope } from '../shared/api';
import type { LabEvent } from '../shared/schemas';
import { errorEnvelope, okEnvelope, toErrorEnvelope, toLabError } from '../shared/envelope';
import { contentSecurityPolicy, contentTypeFor, resolveStaticPath } from '../core/host/static';
import { checkListenHost, checkServerPaths } from './access';

export interface ServerLab {
  call(method: string, input: unknown): Promise<unknown>;
  onEvent(listener: (e: LabEvent) => void): () => void;
  labDir: string;
}

export interface ServerOptions {
  lab: ServerLab;
  /** The built renderer (out/renderer). */
  staticDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default: 32 random bytes, base64url. */
  token?: string;
  /** Listen on a non-loopback address (refused without it; see ./access). */
  allowRemote?: boolean;
  /** Folders besides the lab folder that request paths may name (--allow-dir). */
  allowedDirs?: string[];
}

export interface RunningServer {
  /** http://127.0.0.1:PORT/?token=... : the address to open in a browser. */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export const JSON_BODY_LIMIT = 10 * 1024 * 1024;
export const UPLOAD_LIMIT = 4 * 1024 ** 3;
export const EVENTS_PATH = '/api/events';
export const UPLOAD_PATH = '/api/upload';

const UNAUTHORIZED_MESSAGE = 'This lab needs the access token from the URL printed when it started.';

const BASE_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: 'bad_input' | 'not_found' | 'unauthorized' | 'internal',
    message: string,
  ) {
    super(message);
  }
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    try {
      value = decodeURIComponent(value);
    } catch {
      /* keep it raw */
    }
    if (!out.has(name)) out.set(name, value);
  }
  return out;
}

/** A file name safe to create: the basename only, no control or odd characters. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  let clean = base
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .replace(/[^A-Za-z0-9._\- ()+]/g, '_')
    .replace(/^[.\s]+/, '')
    .trim();
  if (clean.length > 200) {
    const ext = path.extname(clean).slice(0, 20);
    clean = clean.slice(0, 200 - ext.length) + ext;
  }
  return clean || 'upload';
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const { lab } = opts;
  const host = opts.host ?? '127.0.0.1';
  checkListenHost(host, opts.allowRemote ?? false);
  const pathRoots = [lab.labDir, ...(opts.allowedDirs ?? [])];
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const tokenDigest = digest(token);
  const staticDir = path.resolve(opts.staticDir);
  let port = opts.port ?? 0;

  const tokenMatches = (candidate: string | undefined | null): boolean =>
    typeof candidate === 'string' && candidate.length > 0 && timingSafeEqual(digest(candidate), tokenDigest);

  /** The Host header values this server answers to (lower case). */
  const allowedHosts = (): Set<string> => {
    const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
    if (!['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::'].includes(host)) {
      hosts.add(`${hostForUrl(host).toLowerCase()}:${port}`);
    }
    if (opts.allowRemote && (host === '0.0.0.0' || host === '::')) {
      // Listening on every interface: answer to this machine's own names and addresses.
      hosts.add(`${os.hostname().toLowerCase()}:${port}`);
      for (const list of Object.values(os.networkInterfaces())) {
        for (const a of list ?? []) hosts.add(`${hostForUrl(a.address).toLowerCase()}:${port}`);
      }
    }
    return hosts;
  };

  /** The validated Host header, or null. */
  const checkHost = (req: http.IncomingMessage): string | null => {
    const h = (req.headers.host ?? '').toLowerCase();
    return allowedHosts().has(h) ? h : null;
  };

  /** An Origin header, when present, must be this very origin. */
  const checkOrigin = (req: http.IncomingMessage, hostHeader: string): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return origin.toLowerCase() === `http://${hostHeader}`;
  };

  const requestToken = (req: http.IncomingMessage, url: URL): { ok: boolean; viaQuery: boolean } => {
    const header = req.headers[TOKEN_HEADER];
    if (tokenMatches(Array.isArray(header) ? header[0] : header)) return { ok: true, viaQuery: false };
    if (tokenMatches(url.searchParams.get('token'))) return { ok: true, viaQuery: true };
    if (tokenMatches(parseCookies(req.headers.cookie).get(TOKEN_COOKIE))) return { ok: true, viaQuery: false };
    return { ok: false, viaQuery: false };
  };

  const sendJson = (res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const data = Buffer.from(JSON.stringify(body), 'utf8');
    res.writeHead(status, {
      ...BASE_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(data.length),
      'Cache-Control': 'no-store',
      ...extra,
    });
    res.end(data);
  };

  const sendPlain = (res: http.ServerResponse, status: number, text: string) => {
    const data = Buffer.from(text, 'utf8');
    res.writeHead(status, {
      ...BASE_HEADERS,
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': String(data.length),
      'Cache-Control': 'no-store',
    });
    res.end(data);
  };

  const unauthorizedPage = (res: http.ServerResponse) => {
    const html =
      '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Robustness Lab: access token needed</title></head>' +
      `<body><h1>Access token needed</h1><p>${UNAUTHORIZED_MESSAGE}</p></body></html>`;
    const data = Buffer.from(html, 'utf8');
    res.writeHead(401, {
      ...BASE_HEADERS,
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(data.length),
      'Cache-Control': 'no-store',
    });
    res.end(data);
  };

  const wantsHtml = (req: http.IncomingMessage, url: URL) =>
    req.method === 'GET' &&
    !url.pathname.startsWith('/api/') &&
    (url.pathname === '/' || url.pathname.endsWith('.html') || (req.headers.accept ?? '').includes('text/html'));

  /** Read a JSON body up to the limit; an empty body is `undefined`. */
  const readJson = async (req: http.IncomingMessage): Promise<unknown> => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > JSON_BODY_LIMIT) {
      throw new HttpError(413, 'bad_input', 'The request is larger than 10 MB; send files with an upload instead.');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      const buf = chunk as Buffer;
      size += buf.length;
      if (size > JSON_BODY_LIMIT) {
        throw new HttpError(413, 'bad_input', 'The request is larger than 10 MB; send files with an upload instead.');
      }
      chunks.push(buf);
    }
    const text = Buffer.concat(chunks).toString('utf8').trim();
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HttpError(400, 'bad_input', 'The request body is not valid JSON.');
    }
  };

  const handleCall = async (req: http.IncomingMessage, res: http.ServerResponse, method: string) => {
    if (!isApiMethod(method)) {
      // Drain what the client sent so the connection stays usable.
      req.resume();
      sendJson(res, 404, errorEnvelope('not_found', `There is no API call named "${method}".`));
      return;
    }
    const body = await readJson(req);
    let envelope: Envelope<unknown>;
    try {
      const input = parseInput(method, body);
      checkServerPaths(input, pathRoots);
      envelope = okEnvelope(await lab.call(method, input));
    } catch (err) {
      const e = toLabError(err);
      if (e.code === 'internal') console.error(`[robustlab web] ${method} failed:`, err);
      envelope = toErrorEnvelope(e);
    }
    sendJson(res, 200, envelope);
  };

  const handleUpload = async (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > UPLOAD_LIMIT) {
      req.resume();
      throw new HttpError(413, 'bad_input', 'The file is larger than 4 GiB, the most this lab accepts in one upload.');
    }
    // A folder upload (the Datasets page's drop zone) sends each file with `relpath` (its path
    // inside the dropped folder, each part sanitized) and, after the first, the `dir` it got back.
    const dirParam = url.searchParams.get('dir');
    const token = dirParam && /^[0-9a-f]{24}$/.test(dirParam) ? dirParam : randomBytes(12).toString('hex');
    const parts = (url.searchParams.get('relpath') ?? '')
      .split(/[/\\]/)
      .filter((p) => p && p !== '.' && p !== '..')
      .map(sanitizeFilename)
      .filter(Boolean)
      .slice(-8);
    const name = parts.length ? parts[parts.length - 1]! : sanitizeFilename(url.searchParams.get('filename') ?? '');
    const root = path.join(lab.labDir, 'uploads', token);
    const dir = path.join(root, ...parts.slice(0, -1));
    await mkdir(dir, { recursive: true });
    const finalPath = path.join(dir, name);
    const partPath = path.join(dir, `.${name}.part`);
    let size = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > UPLOAD_LIMIT) {
          cb(new HttpError(413, 'bad_input', 'The file is larger than 4 GiB, the most this lab accepts in one upload.'));
          return;
        }
        cb(null, chunk);
      },
    });
    try {
      await pipeline(req, limiter, createWriteStream(partPath, { flags: 'wx' }));
      await rename(partPath, finalPath);
    } catch (err) {
      await rm(parts.length ? partPath : dir, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
    sendJson(res, 200, okEnvelope({ path: finalPath, dir: token, root }));
  };

  const handleStatic = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    hostHeader: string,
    setCookie: boolean,
  ) => {
    let file = resolveStaticPath(staticDir, url.pathname);
    if (!file) {
      sendPlain(res, 404, 'Not found.');
      return;
    }
    let info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      file = path.join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info || !info.isFile()) {
      // Client-side routes (no extension) get the app; missing assets get a 404.
      if (path.extname(url.pathname) === '' && req.headers.accept?.includes('text/html')) {
        file = path.join(staticDir, 'index.html');
        info = await stat(file).catch(() => null);
      }
      if (!info || !info.isFile()) {
        sendPlain(res, 404, 'Not found.');
        return;
      }
    }
    const isHtml = path.extname(file).toLowerCase() === '.html';
    const headers: Record<string, string> = {
      ...BASE_HEADERS,
      'Content-Type': contentTypeFor(file),
      'Content-Length': String(info.size),
      'Content-Security-Policy': contentSecurityPolicy({ connect: [`ws://${hostHeader}`] }),
      'Cache-Control': isHtml ? 'no-store' : 'no-cache',
    };
    if (setCookie) {
      headers['Set-Cookie'] = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(file), res);
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const hostHeader = checkHost(req);
    if (!hostHeader) {
      req.resume();
      sendJson(
        res,
        403,
        errorEnvelope('unauthorized', `This lab only answers requests addressed to 127.0.0.1:${port} or localhost:${port}.`),
      );
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${hostHeader}`);
    } catch {
      req.resume();
      sendJson(res, 400, errorEnvelope('bad_input', 'The request address is not valid.'));
      return;
    }
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && !checkOrigin(req, hostHeader)) {
      req.resume();
      sendJson(res, 403, errorEnvelope('unauthorized', 'This lab only answers requests from its own page.'));
      return;
    }
    const auth = requestToken(req, url);
    if (!auth.ok) {
      req.resume();
      if (wantsHtml(req, url)) unauthorizedPage(res);
      else sendJson(res, 401, errorEnvelope('unauthorized', UNAUTHORIZED_MESSAGE));
      return;
    }

    if (url.pathname.startsWith('/api/')) {
      if (url.pathname === EVENTS_PATH) {
        req.resume();
        sendJson(res, 426, errorEnvelope('bad_input', 'Connect to the event stream with a WebSocket.'));
        return;
      }
      if (method !== 'POST') {
        req.resume();
        sendJson(res, 405, errorEnvelope('bad_input', 'API calls must be POST requests.'), { Allow: 'POST' });
        return;
      }
      if (url.pathname === UPLOAD_PATH) {
        await handleUpload(req, res, url);
        return;
      }
      let name = url.pathname.slice('/api/'.length);
      try {
        name = decodeURIComponent(name);
      } catch {
        /* an undecodable name is simply not a method */
      }
      await handleCall(req, res, name);
      return;
    }

    if (method !== 'GET' && method !== 'HEAD') {
      req.resume();
      sendPlain(res, 405, 'Method not allowed.');
      return;
    }
    await handleStatic(req, res, url, hostHeader, auth.viaQuery && method === 'GET');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        sendJson(res, err.status, errorEnvelope(err.code, err.message), { Connection: 'close' });
        return;
      }
      const code = (err as { code?: unknown } | null)?.code;
      if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') {
        res.destroy();
        return;
      }
      console.error('[robustlab web] request failed:', err);
      sendJson(res, 500, toErrorEnvelope(err));
    });
  });
  // Uploads of large datasets can take longer than Node's default 5 minute request timeout.
  server.requestTimeout = 0;

  // --- events over WebSocket --------------------------------------------------------------
  const wss = new (wsModule().WebSocketServer)({ noServer: true, maxPayload: 64 * 1024 });
  const clients = new Set<WebSocket>();

  const rejectUpgrade = (socket: Duplex, status: number, reason: string, message: string) => {
    const body = JSON.stringify(errorEnvelope('unauthorized', message));
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const hostHeader = checkHost(req);
    if (!hostHeader) {
      rejectUpgrade(socket, 403, 'Forbidden', 'This lab only answers requests addressed to its own loopback address.');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${hostHeader}`);
    } catch {
      rejectUpgrade(socket, 400, 'Bad Request', 'The request address is not valid.');
      return;
    }
    if (url.pathname !== EVENTS_PATH) {
      rejectUpgrade(socket, 404, 'Not Found', 'The event stream is at /api/events.');
      return;
    }
    if (!checkOrigin(req, hostHeader)) {
      rejectUpgrade(socket, 403, 'Forbidden', 'This lab only answers requests from its own page.');
      return;
    }
    if (!requestToken(req, url).ok) {
      rejectUpgrade(socket, 401, 'Unauthorized', UNAUTHORIZED_MESSAGE);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      // Clients only listen; anything they send is ignored.
    });
  });

  const unsubscribe = lab.onEvent((event) => {
    if (clients.size === 0) return;
    const text = JSON.stringify(event);
    for (const ws of clients) {
      if (ws.readyState === wsModule().WebSocket.OPEN) ws.send(text);
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      unsubscribe();
      reject(err);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      clients.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    })();
    return closing;
  };

  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : hostForUrl(host);
  return {
    url: `http://${urlHost}:${port}/?token=${encodeURIComponent(token)}`,
    port,
    token,
    close,
  };
}
