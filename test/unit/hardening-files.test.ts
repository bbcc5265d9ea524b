/**
 * Issue #15, points 1, 5 (no file content in messages) and 6: every importer reads with a bound,
 * refuses what is not a regular file, stops a gzip bomb early, never quotes a file's bytes, and
 * asks before inferring an unusual class count from labels.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../src/shared/errors';
import { readIdxFile } from '../../src/core/data/idx';
import { readNpy, encodeNpy } from '../../src/core/data/npy';
import { decideNumClasses, importIdx, type SplitArrays } from '../../src/core/data/dataset';
import { encodeSafetensors, readSafetensorsFile } from '../../src/core/models/safetensors';
import { tmpDir } from '../helpers/tmp';

const { dir, cleanup } = tmpDir('rl-harden-');
afterAll(() => cleanup());

const HELPER = path.resolve(__dirname, '../helpers/read-refused.ts');

/** Reads `file` with an importer in a fresh process; its result and peak memory. */
function readInChild(format: 'idx' | 'npy' | 'safetensors', file: string, env: Record<string, string> = {}) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', HELPER, format, file], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
  return JSON.parse(out.trim().split('\n').pop()!) as { ok: boolean; code?: string; message?: string; maxRssMiB: number; baseRssMiB: number };
}

function idxHeader(dims: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

/** A gzip file: the IDX header for `dims`, then `zerosMiB` MiB of zeros (gzip members of 1 MiB each, ~1 KB apiece). */
function gzipBomb(name: string, dims: number[], zerosMiB: number): string {
  const mib = gzipSync(Buffer.alloc(1 << 20), { level: 9 });
  const parts = [gzipSync(idxHeader(dims))];
  for (let i = 0; i < zerosMiB; i++) parts.push(mib);
  const p = path.join(dir, name);
  fs.writeFileSync(p, Buffer.concat(parts));
  return p;
}

async function labError(fn: () => unknown): Promise<LabError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return err as LabError;
  }
  throw new Error('expected a LabError, but nothing was thrown');
}

const MiB = 1024 * 1024;

describe('bounded reads (issue #15, point 1)', () => {
  it('/dev/zero is refused at once by the IDX and safetensors readers, without reading it', () => {
    for (const format of ['idx', 'safetensors'] as const) {
      const r = readInChild(format, '/dev/zero');
      expect(r.ok).toBe(false);
      expect(r.code).toBe('bad_file');
      expect(r.message).toBe('The file is a device, not a regular file; choose a file saved on disk.');
      expect(r.maxRssMiB - r.baseRssMiB).toBeLessThan(32);
    }
  });

  it('a 1 MB gzip that inflates to 1 GiB after a 10×28×28 header stops at the header-declared 7856 bytes', () => {
    const bomb = gzipBomb('bomb-small.gz', [10, 28, 28], 1024);
    expect(fs.statSync(bomb).size).toBeLessThan(1.2 * MiB);
    const r = readInChild('idx', bomb);
    expect(r.code).toBe('bad_file');
    expect(r.message).toBe('The file has unexpected bytes after the data (shape 10×28×28 needs 7856 bytes, the file unzips to more); download it again.');
    expect(r.maxRssMiB - r.baseRssMiB).toBeLessThan(32);
  });

  it('a gzip declaring 64 MiB that inflates to 512 MiB peaks under 2× the 64 MiB it could legitimately need', () => {
    const bomb = gzipBomb('bomb-64.gz', [1, 8192, 8192], 512);
    const r = readInChild('idx', bomb);
    expect(r.code).toBe('bad_file');
    expect(r.message).toContain('shape 1×8192×8192 needs 67108880 bytes, the file unzips to more');
    expect(r.maxRssMiB - r.baseRssMiB).toBeLessThan(128);
  });

  it('a declared shape over the global cap is refused before inflating or reading anything', async () => {
    const gz = gzipBomb('huge-shape.gz', [60000, 60000, 60000], 1);
    const e = await labError(() => readIdxFile(gz, 'File "huge-shape.gz"'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toMatch(/^File "huge-shape\.gz" declares shape 60000×60000×60000, which needs 196 TiB, more than the 4\.0 GiB this lab reads from one file; check the file, or raise the limit with ROBUSTLAB_MAX_FILE_BYTES\.$/);
  });

  it('ROBUSTLAB_MAX_FILE_BYTES lowers the cap for every reader', async () => {
    const idx = path.join(dir, 'ok-idx');
    fs.writeFileSync(idx, Buffer.concat([idxHeader([2, 30, 30]), Buffer.alloc(1800, 3)]));
    const npy = path.join(dir, 'ok.npy');
    fs.writeFileSync(npy, encodeNpy({ dtype: 'uint8', shape: [2000], data: new Uint8Array(2000) }));
    const st = path.join(dir, 'ok.safetensors');
    fs.writeFileSync(st, encodeSafetensors({ w: { shape: [500], data: new Float32Array(500) } }));
    expect((await readIdxFile(idx, 'f')).shape).toEqual([2, 30, 30]);
    const old = process.env.ROBUSTLAB_MAX_FILE_BYTES;
    process.env.ROBUSTLAB_MAX_FILE_BYTES = '1000';
    try {
      expect((await labError(() => readIdxFile(idx, 'File "ok-idx"'))).message).toBe(
        'File "ok-idx" is 1.8 KiB, more than the 1000 bytes this lab reads from one file; choose a smaller file, or raise the limit with ROBUSTLAB_MAX_FILE_BYTES.',
      );
      expect((await labError(() => readNpy(npy, 'File "ok.npy"'))).message).toMatch(/^File "ok\.npy" is 2\.\d KiB, more than the 1000 bytes/);
      expect((await labError(() => readSafetensorsFile(st, 'File "ok.safetensors"'))).message).toMatch(/^File "ok\.safetensors" is 2\.\d KiB, more than the 1000 bytes/);
    } finally {
      if (old === undefined) delete process.env.ROBUSTLAB_MAX_FILE_BYTES;
      else process.env.ROBUSTLAB_MAX_FILE_BYTES = old;
    }
  });

  it('a folder given as a model file is one sentence, not EISDIR', async () => {
    const e = await labError(() => readSafetensorsFile(dir, 'Model file "weights"'));
    expect(e.code).toBe('bad_file');
    expect(e.message).toBe('Model file "weights" is a folder, not a file; choose the file inside it.');
  });

  it('a safetensors or npy file shorter or longer than its header declares is refused from the header alone', async () => {
    const good = encodeSafetensors({ w: { shape: [4], data: new Float32Array(4) } });
    const st = path.join(dir, 'long.safetensors');
    fs.writeFileSync(st, Buffer.concat([good, Buffer.alloc(10)]));
    expect((await labError(() => readSafetensorsFile(st, 'Model file "long"'))).message).toBe(
      'Model file "long" has 10 bytes after the last tensor that no tensor accounts for; the file is broken.',
    );
    fs.writeFileSync(st, good.subarray(0, good.length - 4));
    expect((await labError(() => readSafetensorsFile(st, 'Model file "short"'))).message).toBe(
      'Model file "short" is truncated: its header describes 16 bytes of tensor data but the file holds only 12; copy or save it again.',
    );
    const npy = path.join(dir, 'short.npy');
    fs.writeFileSync(npy, encodeNpy({ dtype: 'float32', shape: [1000], data: new Float32Array(1000) }).subarray(0, 200));
    expect((await labError(() => readNpy(npy, 'File "short.npy"'))).message).toContain("shape [1000] of '<f4' needs 4000 data bytes but only 72 are present");
  });
});

describe('messages never quote the bytes of a file (issue #15, point 5)', () => {
  it('a private text file read as IDX, npy or safetensors gives no word, hex or number made of its bytes', async () => {
    const secret = 'root:$6$Zq9xSECRETHASH:19000:0:99999:7:::\n';
    const p = path.join(dir, 'shadow');
    fs.writeFileSync(p, secret);
    const bytes = Buffer.from(secret);
    const forbidden = [
      'root',
      'SECRET',
      bytes.subarray(0, 4).toString('hex'),
      String(bytes.readBigUInt64LE(0)),
      String(bytes.readUInt32BE(0)),
    ];
    const messages = [
      (await labError(() => readIdxFile(p, 'File "shadow"'))).message,
      (await labError(() => readNpy(p, 'File "shadow"'))).message,
      (await labError(() => readSafetensorsFile(p, 'File "shadow"'))).message,
    ];
    // A file whose first bytes look like a safetensors length, then JSON-ish private text.
    const framed = Buffer.concat([Buffer.from([32, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"SECRET-TOKEN-42": tru'.padEnd(32, 'x'))]);
    fs.writeFileSync(p, framed);
    messages.push((await labError(() => readSafetensorsFile(p, 'File "shadow"'))).message);
    // IDX whose "type" byte is unknown: the bytes 00 00 7a 7a must not be repeated.
    fs.writeFileSync(p, Buffer.from([0, 0, 0x7a, 0x7a, 1, 2, 3]));
    messages.push((await labError(() => readIdxFile(p, 'File "shadow"'))).message);
    for (const m of messages) {
      for (const f of [...forbidden, 'SECRET-TOKEN', '7a7a', '0x00007a7a']) expect(m).not.toContain(f);
    }
  });
});

describe('classes inferred from labels (issue #15, point 6)', () => {
  const split = (labels: number[]): SplitArrays => ({
    images: new Uint8Array(labels.length * 4),
    labels: Uint8Array.from(labels),
    count: labels.length,
    height: 2,
    width: 2,
    channels: 1,
  });

  it('a stray 255 among MNIST-style labels is refused until the person states or confirms 256 classes', async () => {
    const labels = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 255];
    const e = await labError(() => decideNumClasses({ train: split(labels) }));
    expect(e.code).toBe('bad_input');
    expect(e.message).toBe(
      'The largest label is 255, which makes 256 classes, 245 of them with no example (the first is class 10); if that is right, state the number of classes (--num-classes 256, or confirm it in the import form), otherwise check the labels file.',
    );
    expect(decideNumClasses({ train: split(labels) }, { numClasses: 256 })).toBe(256);
    expect(decideNumClasses({ train: split(labels) }, { confirmClasses: true })).toBe(256);
    expect((await labError(() => decideNumClasses({ train: split(labels) }, { numClasses: 10 }))).message).toBe(
      'The labels go up to 255, so there are at least 256 classes, but 10 were stated; check the labels file or the number of classes.',
    );
  });

  it('an empty class in between (1-based labels, or one class only in another split) is judged over both splits', async () => {
    expect((await labError(() => decideNumClasses({ train: split([1, 2, 3, 1]) }))).message).toContain('1 of them with no example (the first is class 0)');
    expect(decideNumClasses({ train: split([0, 2, 1]), test: split([0, 1]) })).toBe(3);
    expect(decideNumClasses({ train: split([0, 2]), test: split([1]) })).toBe(3);
    expect(decideNumClasses({ train: split([1, 2, 3]) }, { numClasses: 4 })).toBe(4);
  });

  it('more than 100 classes, all present, also needs a stated count; 100 does not', async () => {
    const many = Array.from({ length: 101 }, (_, i) => i);
    expect((await labError(() => decideNumClasses({ train: split(many) }))).message).toContain('101 classes, more than 100;');
    expect(decideNumClasses({ train: split(many.slice(0, 100)) })).toBe(100);
  });

  it('importIdx passes the stated count through', async () => {
    const img = path.join(dir, 'l-img');
    const lbl = path.join(dir, 'l-lbl');
    fs.writeFileSync(img, Buffer.concat([idxHeader([3, 2, 2]), Buffer.alloc(12)]));
    fs.writeFileSync(lbl, Buffer.concat([idxHeader([3]), Buffer.from([0, 1, 255])]));
    expect((await labError(() => importIdx({ trainImages: img, trainLabels: lbl }))).code).toBe('bad_input');
    expect((await importIdx({ trainImages: img, trainLabels: lbl, numClasses: 300 })).numClasses).toBe(300);
  });
});
