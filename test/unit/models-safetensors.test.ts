import { beforeAll, describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initEngine, tf } from '../../src/core/engine/backend';
import { Rng } from '../../src/core/engine/random';
import { Model, type TorchTensor } from '../../src/core/models/model';
import {
  decodeSafetensors,
  encodeSafetensors,
  modelFromSafetensors,
  modelToSafetensors,
} from '../../src/core/models/safetensors';
import { LabError } from '../../src/shared/errors';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url)));

function labError(fn: () => unknown): LabError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return err as LabError;
  }
  throw new Error('expected a LabError');
}

/** A safetensors file from a header object and raw data bytes, padded like the real writers. */
function rawFile(header: unknown, data: Uint8Array | number[] = [], headerText?: string): Buffer {
  let text = Buffer.from(headerText ?? JSON.stringify(header), 'utf8');
  const pad = (8 - (text.length % 8)) % 8;
  text = Buffer.concat([text, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  return Buffer.concat([len, text, Buffer.from(data)]);
}

const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

beforeAll(async () => {
  await initEngine({ force: 'wasm' });
});

describe('encode / decode', () => {
  test('round trip keeps names, shapes, values, order and metadata', () => {
    const rng = new Rng(1);
    const tensors: Record<string, TorchTensor> = {
      'a.weight': { shape: [3, 2, 2, 2], data: rng.fillUniform(new Float32Array(24), -1, 1) },
      'a.bias': { shape: [3], data: Float32Array.from([1.5, -0, 3e-41]) },
      scalar: { shape: [], data: Float32Array.from([42]) },
      empty: { shape: [0, 4], data: new Float32Array(0) },
    };
    const buf = encodeSafetensors(tensors, { format: 'pt', note: 'hé' });
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
    expect(header.__metadata__).toEqual({ format: 'pt', note: 'hé' });
    expect(header['a.weight']).toEqual({ dtype: 'F32', shape: [3, 2, 2, 2], data_offsets: [0, 96] });
    expect(header['a.bias'].data_offsets).toEqual([96, 108]);
    expect(buf.length).toBe(8 + n + 112);
    const back = decodeSafetensors(buf);
    expect(back.metadata).toEqual({ format: 'pt', note: 'hé' });
    expect(Object.keys(back.tensors)).toEqual(Object.keys(tensors));
    for (const [k, t] of Object.entries(tensors)) {
      expect(back.tensors[k].shape).toEqual(t.shape);
      expect(Array.from(back.tensors[k].data)).toEqual(Array.from(t.data));
    }
    expect(Object.is(back.tensors['a.bias'].data[1], -0)).toBe(true);
    // a Uint8Array view at an odd offset inside a bigger buffer decodes the same
    const shifted = new Uint8Array(buf.length + 3);
    shifted.set(buf, 3);
    expect(decodeSafetensors(shifted.subarray(3)).tensors['a.weight'].data).toEqual(tensors['a.weight'].data);
    // no metadata → no __metadata__ key
    const plain = encodeSafetensors({ x: { shape: [1], data: Float32Array.from([1]) } });
    expect(plain.subarray(8, 8 + Number(plain.readBigUInt64LE(0))).toString()).not.toContain('__metadata__');
    expect(decodeSafetensors(plain).metadata).toEqual({});
  });

  test('a model round-trips through a file with identical predictions', () => {
    for (const [arch, input] of [
      ['mnist-cnn', { height: 28, width: 28, channels: 1 }],
      ['mnist-cnn', { height: 16, width: 21, channels: 3 }],
      ['mlp', { height: 5, width: 7, channels: 2 }],
    ] as const) {
      const m = Model.init(arch, input, 4, 11);
      const buf = modelToSafetensors(m);
      const { metadata } = decodeSafetensors(buf);
      expect(metadata).toEqual({
        format: 'pt',
        robustlab_arch: arch,
        robustlab_input: `${input.height},${input.width},${input.channels}`,
        robustlab_classes: '4',
      });
      const back = modelFromSafetensors(buf, arch); // size and classes from the metadata
      expect(back.input).toEqual(input);
      expect(back.numClasses).toBe(4);
      const n = 3 * input.height * input.width * input.channels;
      const x = tf.tensor4d(new Rng(5).fillUniform(new Float32Array(n), 0, 1), [3, input.height, input.width, input.channels]);
      const a = m.forward(x);
      const b = back.forward(x);
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      tf.dispose([x, a, b]);
      m.dispose();
      back.dispose();
    }
  });

  test('F16, BF16 and F64 are read and converted to float32 (hand-made file)', () => {
    // F16: 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal 0x0001, inf 0x7c00, -0 0x8000
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000]).buffer);
    // BF16: upper halves of float32 1.0 (0x3f80), -3.0 (0xc040), 1e38-ish (0x7e96)
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc040, 0x7e96]).buffer);
    const f64 = new Uint8Array(Float64Array.from([0.1, -1e-3]).buffer);
    const buf = rawFile(
      {
        h: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] },
        b: { dtype: 'BF16', shape: [3], data_offsets: [12, 18] },
        d: { dtype: 'F64', shape: [2], data_offsets: [18, 34] },
      },
      [...f16, ...bf16, ...f64],
    );
    const { tensors } = decodeSafetensors(buf);
    expect(tensors.h.shape).toEqual([2, 3]);
    expect(Array.from(tensors.h.data)).toEqual([1, -2, 65504, 2 ** -24, Infinity, -0]);
    expect(Array.from(tensors.b.data)).toEqual([1, -3, new Float32Array(new Uint32Array([0x7e960000]).buffer)[0]]);
    expect(Array.from(tensors.d.data)).toEqual([Math.fround(0.1), Math.fround(-1e-3)]);
    // NaN in F16
    const nan = rawFile({ h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, new Uint8Array(new Uint16Array([0x7e00]).buffer));
    expect(Number.isNaN(decodeSafetensors(nan).tensors.h.data[0])).toBe(true);
  });

  test('F16, BF16 and F64 written by PyTorch decode to exactly what PyTorch widens them to', () => {
    const { tensors } = decodeSafetensors(fixture('torch-dtypes.safetensors'));
    expect(tensors.ref.shape).toEqual([3, 7]);
    for (const k of ['as_f16', 'as_bf16', 'as_f64']) expect(tensors[k].shape).toEqual([3, 7]);
    expect(Array.from(tensors.as_f16.data)).toEqual(Array.from(tensors.f16_as_f32.data));
    expect(Array.from(tensors.as_bf16.data)).toEqual(Array.from(tensors.bf16_as_f32.data));
    expect(Array.from(tensors.as_f64.data)).toEqual(Array.from(tensors.ref.data));
    // the conversions are not trivially equal to the reference (the fixture really tests rounding)
    expect(Array.from(tensors.as_f16.data)).not.toEqual(Array.from(tensors.ref.data));
    expect(Array.from(tensors.as_bf16.data)).not.toEqual(Array.from(tensors.as_f16.data));
  });
});

describe('broken files are "bad_file" errors that say what is wrong', () => {
  const good = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } };
  const data = f32(1, 2, 3);
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['empty file', () => new Uint8Array(0), /too short/],
    ['shorter than the length field', () => new Uint8Array([1, 0, 0]), /too short.*3 bytes/],
    [
      'header length beyond the file',
      () => {
        const b = rawFile(good, data);
        b.writeBigUInt64LE(BigInt(b.length), 0);
        return b;
      },
      /header length field asks for more bytes than the file has \(\d+ after the length field\)/,
    ],
    ['huge header length', () => Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7b]), /header length field asks for more bytes/],
    ['invalid JSON', () => rawFile(null, data, '{"a": {"dtype": "F32",'), /not valid JSON/],
    ['header is not an object', () => rawFile([1, 2, 3], []), /not a JSON object/],
    ['bad UTF-8 in the header', () => rawFile(null, [], '{"a":1}').fill(0xff, 9, 10), /not UTF-8 text/],
    [
      'offsets past the end of the data',
      () => rawFile({ ...good, b: { dtype: 'F32', shape: [1], data_offsets: [8, 16] } }, data),
      /Tensor "b" claims bytes 8 to 16.*only 12 bytes/,
    ],
    [
      'overlapping tensors',
      () => rawFile({ a: good.a, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] }, c: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, data),
      /Tensor "b" overlaps/,
    ],
    [
      'a gap between tensors',
      () => rawFile({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, data),
      /gap of 4 bytes before tensor "b"/,
    ],
    ['bytes after the last tensor', () => rawFile(good, f32(1, 2, 3, 4)), /4 bytes after the last tensor/],
    [
      'byte count does not fit the shape',
      () => rawFile({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] }, b: good.b }, data),
      /Tensor "a" has 8 bytes of data, but its shape \[3\] in F32 needs 12/,
    ],
    ['unknown dtype', () => rawFile({ ...good, b: { dtype: 'Q4', shape: [1], data_offsets: [8, 12] } }, data), /Tensor "b" has the unknown dtype "Q4"/],
    ['integer dtype', () => rawFile({ ...good, b: { dtype: 'I32', shape: [1], data_offsets: [8, 12] } }, data), /Tensor "b" is stored as I32.*floating point/],
    ['missing dtype', () => rawFile({ ...good, b: { shape: [1], data_offsets: [8, 12] } }, data), /Tensor "b" has no dtype/],
    ['bad shape', () => rawFile({ ...good, b: { dtype: 'F32', shape: [-1], data_offsets: [8, 12] } }, data), /Tensor "b" has an invalid shape/],
    ['bad offsets', () => rawFile({ ...good, b: { dtype: 'F32', shape: [1], data_offsets: [12, 8] } }, data), /Tensor "b" has invalid data_offsets/],
    ['metadata not strings', () => rawFile({ __metadata__: { n: 1 }, ...good }, data), /metadata entry "n" is not a string/],
    ['tensor entry not an object', () => rawFile({ ...good, b: 5 }, data), /Tensor "b" has no description|Tensor "b" has no dtype/],
  ];
  for (const [name, make, message] of cases) {
    test(name, () => {
      const err = labError(() => decodeSafetensors(make()));
      expect(err.code).toBe('bad_file');
      expect(err.message).toMatch(message);
      expect(err.message.endsWith('.')).toBe(true);
    });
  }

  test('the good file used above decodes', () => {
    const { tensors } = decodeSafetensors(rawFile(good, data));
    expect(Array.from(tensors.a.data)).toEqual([1, 2]);
    expect(Array.from(tensors.b.data)).toEqual([3]);
  });

  test('a truncated real model file is a bad_file error', () => {
    const m = Model.init('mlp', { height: 4, width: 4, channels: 1 }, 3, 0);
    const buf = modelToSafetensors(m);
    m.dispose();
    const err = labError(() => modelFromSafetensors(buf.subarray(0, buf.length - 10), 'mlp'));
    expect(err.code).toBe('bad_file');
    expect(err.message).toMatch(/truncated/);
  });
});

describe('weights that do not fit the architecture are "shape_mismatch" errors naming the tensor', () => {
  const input = { height: 28, width: 28, channels: 1 };
  let tensors: Record<string, TorchTensor>;
  beforeAll(() => {
    const m = Model.init('mnist-cnn', input, 10, 2);
    tensors = m.toTorchTensors();
    m.dispose();
  });

  test('wrong shape', () => {
    const t = { ...tensors, 'conv2.weight': { shape: [64, 16, 3, 3], data: new Float32Array(64 * 16 * 9) } };
    const err = labError(() => modelFromSafetensors(encodeSafetensors(t), 'mnist-cnn'));
    expect(err.code).toBe('shape_mismatch');
    expect(err.message).toContain('"conv2.weight" has shape [64, 16, 3, 3]');
    expect(err.message).toContain('needs [64, 32, 3, 3]');
  });

  test('missing tensor', () => {
    const { ['fc2.bias']: _gone, ...t } = tensors;
    const err = labError(() => modelFromSafetensors(encodeSafetensors(t), 'mnist-cnn'));
    expect(err.code).toBe('shape_mismatch');
    expect(err.message).toContain('no tensor "fc2.bias"');
    expect(err.message).toContain('[10]');
  });

  test('extra tensor', () => {
    const t = { ...tensors, 'fc3.weight': { shape: [2, 2], data: new Float32Array(4) } };
    const err = labError(() => modelFromSafetensors(encodeSafetensors(t), 'mnist-cnn'));
    expect(err.code).toBe('shape_mismatch');
    expect(err.message).toContain('"fc3.weight" [2, 2]');
    expect(err.message).toContain('does not use');
  });

  test('weights of another architecture', () => {
    const err = labError(() => modelFromSafetensors(encodeSafetensors(tensors), 'mlp'));
    expect(err.code).toBe('shape_mismatch');
    expect(err.message).toMatch(/"fc3.weight"|"conv1.weight"/);
    const m = Model.init('mnist-cnn', input, 10, 2);
    const withMeta = modelToSafetensors(m);
    m.dispose();
    const err2 = labError(() => modelFromSafetensors(withMeta, 'mlp'));
    expect(err2.message).toBe('This file holds a "mnist-cnn" model, but the "mlp" architecture was chosen. Choose "mnist-cnn" instead.');
  });

  test('an input size the weights do not fit', () => {
    const err = labError(() => modelFromSafetensors(encodeSafetensors(tensors), 'mnist-cnn', { input: { height: 32, width: 32, channels: 1 } }));
    expect(err.code).toBe('shape_mismatch');
    expect(err.message).toContain('"fc1.weight" has shape [128, 1600]');
    expect(err.message).toContain('32×32×1');
    expect(err.message).toContain('[128, 2304]');
  });
});
