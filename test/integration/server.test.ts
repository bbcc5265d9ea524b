/**
 * Web mode server: token, Host and Origin checks, the API envelope, static files, uploads and
 * the event WebSocket, against a fake lab (the server is transport only).
 */
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { TOKEN_COOKIE, TOKEN_HEADER } from '../../src/shared/api';
import { LabError } from '../../src/shared/errors';
import type { LabEvent } from '../../src/shared/schemas';
import { sanitizeFilename, startServer, type RunningServer, type ServerLab } from '../../src/server/server';
import { resolveStaticPath } from '../../src/core/host/static';

class FakeLab implements ServerLab {
  readonly calls: { method: string; input: unknown }[] = [];
  private listeners = new Set<(e: LabEvent) => void>();
  constructor(readonly labDir: string) {}

  async call(method: string, input: unknown): Promise<unknown> {
    this.calls.push({ method, input });
    if (method === 'status') return { version: 'test', labDir: this.labDir, mode: 'web', backend: { name: 'cpu' } };
    if (method === 'getRun') throw new LabError('not_found', 'There is no run with id "nope"; pick one from the runs list.');
    if (method === 'listRuns') throw new Error('database exploded');
    return null;
  }

  onEvent(listener: (e: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(e: LabEvent): void {
    for (const l of this.listeners) l(e);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw request, so Host, Origin and odd paths go out exactly as written. */
function request(
  port: number,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { Host: `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('web mode server', () => {
  let tmp: string;
  let labDir: string;
  let staticDir: string;
  let lab: FakeLab;
  let server: RunningServer;
  const TOKEN = 'test-token-0123456789';

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'robustlab-server-'));
    labDir = path.join(tmp, 'lab');
    staticDir = path.join(tmp, 'static');
    await mkdir(path.join(staticDir, 'assets'), { recursive: true });
    await mkdir(labDir, { recursive: true });
    await writeFile(path.join(staticDir, 'index.html'), '<!doctype html><title>Robustness Lab</title><div id="root"></div>');
    await writeFile(path.join(staticDir, 'assets', 'app.js'), 'console.log("hi");');
    await writeFile(path.join(staticDir, 'assets', 'tfjs.wasm'), Buffer.from([0, 97, 115, 109]));
    await writeFile(path.join(tmp, 'secret.txt'), 'do not serve me');
    lab = new FakeLab(labDir);
    server = await startServer({ lab, staticDir, token: TOKEN });
  });

  afterAll(async () => {
    await server?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('prints a loopback URL with the token and a random port', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
    expect(server.token).toBe(TOKEN);
  });

  it('makes a long random token when none is given', async () => {
    const other = await startServer({ lab: new FakeLab(labDir), staticDir });
    try {
      expect(other.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(other.port).not.toBe(server.port);
    } finally {
      await other.close();
    }
  });

  it('refuses requests without the token: 401 JSON for the API, a plain page for HTML', async () => {
    const api = await request(server.port, { method: 'POST', path: '/api/status', body: '{}' });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toEqual({
      ok: false,
      error: { code: 'unauthorized', message: 'This lab needs the access token from the URL printed when it started.' },
    });

    const page = await request(server.port, { path: '/', headers: { Accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('This lab needs the access token from the URL printed when it started.');

    const wrong = await request(server.port, { method: 'POST', path: '/api/status', headers: { [TOKEN_HEADER]: 'nope' } });
    expect(wrong.status).toBe(401);
    const asset = await request(server.port, { path: '/assets/app.js?token=wrong' });
    expect(asset.status).toBe(401);
  });

  it('accepts the token as a header, a query parameter or a cookie', async () => {
    const viaHeader = await request(server.port, {
      method: 'POST',
      path: '/api/status',
      headers: { [TOKEN_HEADER]: TOKEN, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(viaHeader.status).toBe(200);
    expect(JSON.parse(viaHeader.body).ok).toBe(true);

    const viaQuery = await request(server.port, { path: `/?token=${TOKEN}` });
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.body).toContain('Robustness Lab');
    const cookie = viaQuery.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toContain(`${TOKEN_COOKIE}=${TOKEN}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//i);

    const viaCookie = await request(server.port, {
      path: '/assets/app.js',
      headers: { Cookie: `other=1; ${TOKEN_COOKIE}=${TOKEN}` },
    });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.body).toBe('console.log("hi");');
    expect(viaCookie.headers['set-cookie']).toBeUndefined();
  });

  it('refuses a foreign Host header (DNS rebinding) with 403', async () => {
    const res = await request(server.port, {
      path: `/?token=${TOKEN}`,
      headers: { Host: `evil.example:${server.port}` },
    });
    expect(res.status).toBe(403);
    const wrongPort = await request(server.port, {
      method: 'POST',
      path: '/api/status',
      headers: { Host: `127.0.0.1:1`, [TOKEN_HEADER]: TOKEN },
    });
    expect(wrongPort.status).toBe(403);
    for (const host of [`localhost:${server.port}`, `[::1]:${server.port}`]) {
      const ok = await request(server.port, { path: `/?token=${TOKEN}`, headers: { Host: host } });
      expect(ok.status).toBe(200);
    }
  });

  it('refuses a POST from another origin, accepts one from its own', async () => {
    const foreign = await request(server.port, {
      method: 'POST',
      path: '/api/status',
      headers: { [TOKEN_HEADER]: TOKEN, Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(foreign.status).toBe(403);
    const same = await request(server.port, {
      method: 'POST',
      path: '/api/status',
      headers: { [TOKEN_HEADER]: TOKEN, Origin: `http://127.0.0.1:${server.port}` },
      body: '{}',
    });
    expect(same.status).toBe(200);
  });

  it('answers calls with an envelope: result, LabError, bad input, internal error', async () => {
    const post = (method: string, body: string) =>
      request(server.port, { method: 'POST', path: `/api/${method}`, headers: { [TOKEN_HEADER]: TOKEN }, body });

    const ok = await post('status', '');
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toContain('application/json');
    expect(JSON.parse(ok.body)).toEqual({
      ok: true,
      result: { version: 'test', labDir, mode: 'web', backend: { name: 'cpu' } },
    });
    // The input reached the lab validated (defaults applied).
    expect(lab.calls.at(-1)).toEqual({ method: 'status', input: {} });

    const labErr = await post('getRun', JSON.stringify({ runId: 'nope' }));
    expect(labErr.status).toBe(200);
    expect(JSON.parse(labErr.body)).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'There is no run with id "nope"; pick one from the runs list.' },
    });

    const zod = JSON.parse((await post('getRun', '{}')).body);
    expect(zod.ok).toBe(false);
    expect(zod.error.code).toBe('bad_input');
    expect(zod.error.message).toContain('runId');

    const nested = JSON.parse(
      (await post('listRuns', JSON.stringify({ limit: 0 }))).body,
    );
    expect(nested.error.code).toBe('bad_input');
    expect(nested.error.message).toContain('"limit"');

    const quiet = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const internal = JSON.parse((await post('listRuns', '{}')).body);
    expect(quiet).toHaveBeenCalled();
    quiet.mockRestore();
    expect(internal.ok).toBe(false);
    expect(internal.error.code).toBe('internal');
    expect(internal.error.message).toContain('database exploded');

    const badJson = await post('status', '{not json');
    expect(badJson.status).toBe(400);
    expect(JSON.parse(badJson.body).error.code).toBe('bad_input');

    const unknown = await post('boom', '{}');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe('not_found');
    expect(lab.calls.some((c) => c.method === 'boom')).toBe(false);

    const get = await request(server.port, { path: '/api/status', headers: { [TOKEN_HEADER]: TOKEN } });
    expect(get.status).toBe(405);
  });

  it('refuses JSON bodies over 10 MB', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 10, 0x20);
    const res = await request(server.port, {
      method: 'POST',
      path: '/api/status',
      headers: { [TOKEN_HEADER]: TOKEN },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.code).toBe('bad_input');
  });

  it('serves static files with content types and security headers, and no traversal', async () => {
    const auth = { [TOKEN_HEADER]: TOKEN };
    const index = await request(server.port, { path: '/', headers: auth });
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-store');
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(index.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' data: blob:");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`);

    const js = await request(server.port, { path: '/assets/app.js', headers: auth });
    expect(js.headers['content-type']).toContain('text/javascript');
    const wasm = await request(server.port, { path: '/assets/tfjs.wasm', headers: auth });
    expect(wasm.headers['content-type']).toBe('application/wasm');

    const missing = await request(server.port, { path: '/assets/nope.js', headers: auth });
    expect(missing.status).toBe(404);

    for (const p of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/%00index.html',
    ]) {
      const res = await request(server.port, { path: p, headers: auth });
      expect(res.body, p).not.toContain('do not serve me');
      expect([403, 404], p).toContain(res.status);
    }
  });

  it('resolves static paths only inside the root', () => {
    const root = path.resolve('/srv/app');
    expect(resolveStaticPath(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/a%20b.js')).toBe(path.join(root, 'assets', 'a b.js'));
    expect(resolveStaticPath(root, '/../x')).toBeNull();
    expect(resolveStaticPath(root, '/a/%2e%2e/%2e%2e/x')).toBeNull();
    expect(resolveStaticPath(root, '/a%2f..%2f..%2fx')).toBeNull();
    expect(resolveStaticPath(root, '/%E0%A4%A')).toBeNull();
    expect(resolveStaticPath(root, 'x')).toBeNull();
  });

  it('stores an upload under uploads/<random>/<sanitized name> and returns its path', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
    const res = await request(server.port, {
      method: 'POST',
      path: `/api/upload?filename=${encodeURIComponent('../../evil dir/train-images.idx3-ubyte')}`,
      headers: { [TOKEN_HEADER]: TOKEN, 'Content-Type': 'application/octet-stream' },
      body: data,
    });
    expect(res.status).toBe(200);
    const env = JSON.parse(res.body) as { ok: true; result: { path: string } };
    expect(env.ok).toBe(true);
    const stored = env.result.path;
    expect(path.dirname(path.dirname(stored))).toBe(path.join(labDir, 'uploads'));
    expect(path.basename(stored)).toBe('train-images.idx3-ubyte');
    expect((await readFile(stored)).equals(data)).toBe(true);

    const noToken = await request(server.port, { method: 'POST', path: '/api/upload?filename=x.bin', body: 'abc' });
    expect(noToken.status).toBe(401);
  });

  it('sanitizes upload file names', () => {
    expect(sanitizeFilename('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFilename('C:\\Users\\me\\data.npy')).toBe('data.npy');
    expect(sanitizeFilename('..')).toBe('upload');
    expect(sanitizeFilename('.hidden')).toBe('hidden');
    expect(sanitizeFilename('we;ird$name\u0001.gz')).toBe('we_ird_name.gz');
    expect(sanitizeFilename('')).toBe('upload');
    expect(sanitizeFilename('a'.repeat(500) + '.safetensors').length).toBeLessThanOrEqual(200);
    expect(sanitizeFilename('a'.repeat(500) + '.safetensors').endsWith('.safetensors')).toBe(true);
  });

  it('streams lab events over the WebSocket, and refuses sockets without the token', async () => {
    const wsUrl = `ws://127.0.0.1:${server.port}/api/events`;

    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(wsUrl);
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(401);

    const foreignOrigin = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${wsUrl}?token=${TOKEN}`, { origin: 'http://evil.example' });
      ws.on('unexpected-response', (_req, res) => {
        resolve(res.statusCode ?? 0);
        ws.terminate();
      });
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(foreignOrigin).toBe(403);

    const event: LabEvent = { type: 'run', runId: 'r1', status: 'running' };
    for (const opts of [
      { url: `${wsUrl}?token=${TOKEN}`, headers: {} },
      { url: wsUrl, headers: { Cookie: `${TOKEN_COOKIE}=${TOKEN}` } },
    ]) {
      const ws = new WebSocket(opts.url, { headers: opts.headers, origin: `http://127.0.0.1:${server.port}` });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const got = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
      lab.emit(event);
      expect(await got).toEqual(event);
      ws.close();
    }
  });

  it('close() ends open sockets and stops listening to the lab', async () => {
    const other = new FakeLab(labDir);
    const s = await startServer({ lab: other, staticDir, token: TOKEN });
    expect(other.listenerCount).toBe(1);
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/api/events?token=${TOKEN}`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    await s.close();
    await closed;
    expect(other.listenerCount).toBe(0);
    await expect(request(s.port, { path: '/' })).rejects.toThrow();
  });
});
