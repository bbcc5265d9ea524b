import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../src/shared/errors';
import { decodeNpy, encodeNpy, readNpy, writeFileAtomic, writeNpyAtomic, type NpyArray } from '../../src/core/data/npy';

const FIX = fileURLToPath(new URL('../fixtures/data/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'rl-npy-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function catchLab(fn: () => unknown): LabError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return err as LabError;
  }
  throw new Error('expected a LabError, but nothing was thrown');
}

/** A v1 .npy with the given header dict text and data bytes. */
function rawNpy(dict: string, data: Uint8Array = new Uint8Array(0), version = 1): Uint8Array {
  const text = dict + '\n';
  const pre = version === 1 ? 10 : 12;
  const head = new Uint8Array(pre + text.length);
  head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  if (version === 1) new DataView(head.buffer).setUint16(8, text.length, true);
  else new DataView(head.buffer).setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) head[pre + i] = text.charCodeAt(i);
  return Buffer.concat([head, data]);
}

const ALL: NpyArray[] = [
  { dtype: 'uint8', shape: [2, 3, 4, 1], data: Uint8Array.from({ length: 24 }, (_, i) => (i * 11) % 256) },
  { dtype: 'int32', shape: [5], data: Int32Array.from([-2147483648, -1, 0, 1, 2147483647]) },
  { dtype: 'float32', shape: [2, 2], data: Float32Array.from([0.5, -1.25, Math.fround(0.1), -0]) },
  { dtype: 'int64', shape: [3], data: BigInt64Array.from([-(2n ** 62n), 0n, 2n ** 40n + 3n]) },
  { dtype: 'float64', shape: [], data: Float64Array.from([Math.PI]) },
  { dtype: 'float32', shape: [0, 3], data: new Float32Array(0) },
];

describe('encodeNpy / decodeNpy', () => {
  it.each(ALL.map((a) => [`${a.dtype} [${a.shape.join(',')}]`, a] as const))('round-trips %s', (_name, a) => {
    const buf = encodeNpy(a);
    // NPY v1.0 header, padded so the data starts on a 64-byte boundary, ending in '\n'.
    expect([...buf.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLen = buf.readUInt16LE(8);
    expect((10 + headerLen) % 64).toBe(0);
    expect(buf[10 + headerLen - 1]).toBe(0x0a);
    expect(buf.length).toBe(10 + headerLen + a.data.byteLength);
    const back = decodeNpy(buf);
    expect(back.dtype).toBe(a.dtype);
    expect(back.shape).toEqual(a.shape);
    expect(back.data.constructor).toBe(a.data.constructor);
    expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(Array.from(a.data as ArrayLike<number | bigint>));
  });

  it('writes the header text numpy writes', () => {
    const buf = encodeNpy({ dtype: 'float32', shape: [2, 3], data: new Float32Array(6) });
    const header = buf.subarray(10, 10 + buf.readUInt16LE(8)).toString('latin1');
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    const one = encodeNpy({ dtype: 'uint8', shape: [7], data: new Uint8Array(7) });
    expect(one.subarray(10, 10 + one.readUInt16LE(8)).toString('latin1')).toContain("'shape': (7,)");
  });

  it('returns correctly aligned typed arrays even when the buffer starts at an odd offset', () => {
    const a: NpyArray = { dtype: 'float64', shape: [3], data: Float64Array.from([1.5, -2, 1e-300]) };
    const enc = encodeNpy(a);
    const big = new Uint8Array(enc.length + 3);
    big.set(enc, 3);
    const back = decodeNpy(big.subarray(3));
    expect(back.data).toBeInstanceOf(Float64Array);
    expect(Array.from(back.data as Float64Array)).toEqual([1.5, -2, 1e-300]);
  });

  it('refuses data that does not match its shape or dtype', () => {
    expect(catchLab(() => encodeNpy({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) })).code).toBe('shape_mismatch');
    expect(catchLab(() => encodeNpy({ dtype: 'int32', shape: [2], data: new Float32Array(2) })).code).toBe('bad_input');
  });
});

describe('decoding files written by numpy', () => {
  const read = (name: string) => readNpy(join(FIX, name));
  it('reads every supported dtype', () => {
    const u1 = read('u1-2x3.npy');
    expect([u1.dtype, u1.shape, Array.from(u1.data as Uint8Array)]).toEqual(['uint8', [2, 3], [0, 1, 2, 253, 254, 255]]);
    const i4 = read('i4-5.npy');
    expect([i4.dtype, i4.shape, Array.from(i4.data as Int32Array)]).toEqual(['int32', [5], [-2147483648, -1, 0, 1, 2147483647]]);
    const f4 = read('f4-2x2.npy');
    expect([f4.dtype, f4.shape]).toEqual(['float32', [2, 2]]);
    expect(Array.from(f4.data as Float32Array)).toEqual([0.5, -1.25, 1024, Math.fround(0.1)]);
    const i8 = read('i8-3.npy');
    expect([i8.dtype, Array.from(i8.data as BigInt64Array)]).toEqual(['int64', [-(2n ** 62n), 0n, 2n ** 40n + 3n]]);
    const f8 = read('f8-3.npy');
    expect([f8.dtype, Array.from(f8.data as Float64Array)]).toEqual(['float64', [Math.PI, -1e300, 0.1]]);
  });

  it('reads bool as uint8, scalars, empty arrays and NHWC images', () => {
    const b = read('b1-4.npy');
    expect([b.dtype, Array.from(b.data as Uint8Array)]).toEqual(['uint8', [1, 0, 1, 1]]);
    const s = read('f8-scalar.npy');
    expect([s.shape, Array.from(s.data as Float64Array)]).toEqual([[], [2.5]]);
    const e = read('f4-0x3.npy');
    expect([e.shape, e.data.length]).toEqual([[0, 3], 0]);
    const img = read('u1-nhwc-2x3x4x1.npy');
    expect(img.shape).toEqual([2, 3, 4, 1]);
    expect(Array.from(img.data as Uint8Array)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('reads format versions 2.0 and 3.0 and big-endian data', () => {
    expect(Array.from(read('i4-v2.npy').data as Int32Array)).toEqual([7, -8, 9]);
    expect(Array.from(read('i4-v3.npy').data as Int32Array)).toEqual([10, -11]);
    const be = read('i4-bigendian.npy');
    expect([be.dtype, Array.from(be.data as Int32Array)]).toEqual(['int32', [1, -2, 65536]]);
  });

  it('refuses Fortran-order and unsupported dtypes with a sentence naming the file', () => {
    const f = catchLab(() => readNpy(join(FIX, 'f4-fortran-2x3.npy'), 'Weights file "f.npy"'));
    expect(f.code).toBe('bad_file');
    expect(f.message).toMatch(/^Weights file "f\.npy": .*Fortran order.*ascontiguousarray/);
    const u2 = catchLab(() => readNpy(join(FIX, 'u2-3.npy')));
    expect(u2.code).toBe('bad_file');
    expect(u2.message).toContain('u2-3.npy');
    expect(u2.message).toContain("'<u2'");
  });
});

const pythonHasNumpy = (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

// Skipped only where /usr/bin/python3 has no NumPy: the point is an independent reader.
describe.runIf(pythonHasNumpy)(`numpy reads what we write${pythonHasNumpy ? '' : ' — skipped: /usr/bin/python3 has no numpy (apt-get install python3-numpy)'}`, () => {
  it('numpy.load gives back the same dtype, shape and values', () => {
    const cases: [string, NpyArray][] = [
      ['u1', { dtype: 'uint8', shape: [2, 2, 2, 1], data: Uint8Array.from([0, 1, 127, 128, 200, 254, 255, 3]) }],
      ['i4', { dtype: 'int32', shape: [3], data: Int32Array.from([-5, 0, 70000]) }],
      ['f4', { dtype: 'float32', shape: [1, 2], data: Float32Array.from([0.25, -3]) }],
      ['i8', { dtype: 'int64', shape: [2], data: BigInt64Array.from([-(2n ** 40n), 9n]) }],
      ['f8', { dtype: 'float64', shape: [], data: Float64Array.from([0.125]) }],
    ];
    for (const [name, a] of cases) writeNpyAtomic(join(tmp, `${name}.npy`), a);
    const script = [
      'import json, sys, numpy as np',
      'out = {}',
      'for n in sys.argv[2:]:',
      '    a = np.load(sys.argv[1] + "/" + n + ".npy", allow_pickle=False)',
      '    out[n] = [a.dtype.str, list(a.shape), [str(v) for v in a.ravel().tolist()]]',
      'print(json.dumps(out))',
    ].join('\n');
    const got = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, tmp, ...cases.map((c) => c[0])], { encoding: 'utf8' }));
    expect(got).toEqual({
      u1: ['|u1', [2, 2, 2, 1], ['0', '1', '127', '128', '200', '254', '255', '3']],
      i4: ['<i4', [3], ['-5', '0', '70000']],
      f4: ['<f4', [1, 2], ['0.25', '-3.0']],
      i8: ['<i8', [2], [String(-(2n ** 40n)), '9']],
      f8: ['<f8', [], ['0.125']],
    });
  });
});

describe('broken .npy files are bad_file errors', () => {
  const good = encodeNpy({ dtype: 'int32', shape: [4], data: Int32Array.from([1, 2, 3, 4]) });
  const cases: [string, Uint8Array, RegExp][] = [
    ['not npy at all', new TextEncoder().encode('hello, this is a text file'), /not a \.npy file/],
    ['empty', new Uint8Array(0), /not a \.npy file/],
    ['unknown version', (() => { const b = Uint8Array.from(good); b[6] = 9; return b; })(), /version 9\.0/],
    ['header cut off', good.subarray(0, 40), /truncated inside its header/],
    ['data cut off', good.subarray(0, good.length - 3), /truncated: .*needs 16 data bytes but only 13/],
    ['trailing bytes', Buffer.concat([good, Buffer.from([0, 0])]), /2 unexpected bytes after the data/],
    ['header not a dict', rawNpy("['<i4', False, (1,)]"), /not a dictionary/],
    ['header garbage', rawNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (1,), "), /header is not readable/],
    ['missing shape', rawNpy("{'descr': '<i4', 'fortran_order': False}"), /no 'shape' entry/],
    ['negative dim', rawNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (-1,), }"), /shape in the header is not a tuple of whole numbers/],
    ['complex dtype', rawNpy("{'descr': '<c16', 'fortran_order': False, 'shape': (0,), }"), /'<c16' is not supported/],
    ['structured dtype', rawNpy("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (0,), }"), /structured/],
    ['fortran order', rawNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", new Uint8Array(16)), /Fortran order/],
  ];
  it.each(cases)('%s', (_name, buf, re) => {
    const err = catchLab(() => decodeNpy(buf, 'Array file "x.npy"'));
    expect(err.code).toBe('bad_file');
    expect(err.message.startsWith('Array file "x.npy": ')).toBe(true);
    expect(err.message).toMatch(re);
  });

  it('accepts a hand-written v2 header and Python 2 style long ints', () => {
    const a = decodeNpy(rawNpy("{'descr': '<i4', 'fortran_order': False, 'shape': (2L,), }", Uint8Array.from([5, 0, 0, 0, 6, 0, 0, 0]), 2));
    expect(Array.from(a.data as Int32Array)).toEqual([5, 6]);
  });
});

describe('files', () => {
  it('readNpy of a missing file is not_found and names the file', () => {
    const err = catchLab(() => readNpy(join(tmp, 'nope.npy')));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('nope.npy');
  });

  it('writeFileAtomic replaces the file and leaves no temp files behind', () => {
    const p = join(tmp, 'sub', 'dir', 'a.bin');
    writeFileAtomic(p, Uint8Array.from([1, 2, 3]));
    writeFileAtomic(p, Uint8Array.from([4, 5]));
    expect([...readFileSync(p)]).toEqual([4, 5]);
    expect(readdirSync(join(tmp, 'sub', 'dir'))).toEqual(['a.bin']);
  });

  it('a failed write leaves the old file intact and no temp file', () => {
    const p = join(tmp, 'keep.npy');
    writeNpyAtomic(p, { dtype: 'uint8', shape: [2], data: Uint8Array.from([9, 8]) });
    expect(() => writeNpyAtomic(p, { dtype: 'uint8', shape: [3], data: Uint8Array.from([1]) })).toThrow(LabError);
    expect(Array.from(readNpy(p).data as Uint8Array)).toEqual([9, 8]);
    expect(readdirSync(tmp).filter((n) => n.includes('.tmp-'))).toEqual([]);
    // A file in the way of the folder: the OS refuses and the temp file is not left around.
    writeFileSync(join(tmp, 'blocker'), 'x');
    expect(() => writeFileAtomic(join(tmp, 'blocker', 'f.bin'), new Uint8Array(1))).toThrow();
    expect(existsSync(join(tmp, 'blocker'))).toBe(true);
  });
});
