/**
 * Issue #15, point 5: web mode refuses a non-loopback listen address unless remote access is
 * allowed, and limits paths in requests to the lab folder (uploads included) and folders allowed
 * on the command line — against a fake lab, since the server is transport only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '../../src/shared/api';
import { LabError } from '../../src/shared/errors';
import { isLoopbackHost } from '../../src/server/access';
import { startServer, type RunningServer, type ServerLab } from '../../src/server/server';
import { tmpDir } from '../helpers/tmp';

const TOKEN = 'hardening-token-0123456789';
const { dir: tmp, cleanup } = tmpDir('rl-harden-web-');
const labDir = path.join(tmp, 'lab');
const allowed = path.join(tmp, 'allowed');
const staticDir = path.join(tmp, 'static');
const calls: { method: string; input: unknown }[] = [];
const lab: ServerLab = {
  labDir,
  async call(method, input) {
    calls.push({ method, input });
    return { ok: true };
  },
  onEvent: () => () => undefined,
};
let server: RunningServer;

beforeAll(async () => {
  for (const d of [path.join(labDir, 'uploads', 'abc'), allowed, staticDir]) fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>t</title>');
  fs.writeFileSync(path.join(labDir, 'uploads', 'abc', 'w.safetensors'), 'x');
  fs.writeFileSync(path.join(allowed, 'train.gz'), 'x');
  fs.symlinkSync('/etc/passwd', path.join(labDir, 'uploads', 'abc', 'sneaky.safetensors'));
  server = await startServer({ lab, staticDir, token: TOKEN, allowedDirs: [allowed] });
});
afterAll(async () => {
  await server?.close();
  cleanup();
});

async function post(method: string, body: unknown): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
  const res = await fetch(`http://127.0.0.1:${server.port}/api/${method}`, {
    method: 'POST',
    headers: { [TOKEN_HEADER]: TOKEN, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { ok: boolean; error?: { code: string; message: string } };
}

describe('remote access is refused unless allowed', () => {
  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'example.org', '10.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it('0.0.0.0 without --allow-remote is one sentence recommending the SSH tunnel; with it the server starts', async () => {
    let err: unknown = null;
    try {
      await (await startServer({ lab, staticDir, host: '0.0.0.0' })).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('bad_input');
    expect((err as LabError).message).toBe(
      'Web mode listens on this computer only (127.0.0.1); "0.0.0.0" would let other machines connect, with the access token sent unencrypted. Use an SSH tunnel (ssh -L PORT:127.0.0.1:PORT this-machine), or add --allow-remote if you accept that risk.',
    );
    const remote = await startServer({ lab, staticDir, host: '0.0.0.0', allowRemote: true, token: TOKEN });
    try {
      const res = await fetch(`http://127.0.0.1:${remote.port}/api/status`, { method: 'POST', headers: { [TOKEN_HEADER]: TOKEN } });
      expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    } finally {
      await remote.close();
    }
  });
});

describe('paths in requests stay inside the lab folder and the allowed folders', () => {
  it('refuses /etc/shadow, a traversal, and a symbolic link out of the uploads, before the lab sees them', async () => {
    const before = calls.length;
    for (const file of ['/etc/shadow', path.join(labDir, 'uploads', '..', '..', 'outside.safetensors'), path.join(labDir, 'uploads', 'abc', 'sneaky.safetensors')]) {
      const r = await post('importModel', { format: 'safetensors', arch: 'mlp', file, name: 'm' });
      expect(r.ok).toBe(false);
      expect(r.error!.code).toBe('bad_input');
      expect(r.error!.message).toBe(
        `In web mode the lab reads and writes files only in its lab folder (uploads included) and in folders allowed with --allow-dir; "${file}" is outside them. Upload the file instead, or start the server with --allow-dir FOLDER.`,
      );
    }
    const ds = await post('importDataset', { format: 'idx', name: 'd', testImages: path.join(allowed, 'train.gz'), testLabels: '/etc/passwd' });
    expect(ds.ok).toBe(false);
    expect(ds.error!.message).toContain('"/etc/passwd" is outside them');
    expect(calls.length).toBe(before);
  });

  it('passes uploads and files in allowed folders through to the lab', async () => {
    expect((await post('importModel', { format: 'safetensors', arch: 'mlp', file: path.join(labDir, 'uploads', 'abc', 'w.safetensors'), name: 'm' })).ok).toBe(true);
    expect((await post('importDataset', { format: 'idx', name: 'd', testImages: path.join(allowed, 'train.gz'), testLabels: path.join(allowed, 'train.gz') })).ok).toBe(true);
    expect(calls.slice(-2).map((c) => c.method)).toEqual(['importModel', 'importDataset']);
  });
});
