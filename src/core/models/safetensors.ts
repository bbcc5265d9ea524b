/**
 * The safetensors format, written and read by hand:
 *   8 bytes   N, the header length, unsigned 64-bit little-endian
 *   N bytes   JSON: { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {str: str} },
 *             padded with spaces so the data starts 8-byte aligned
 *   rest      the tensors' bytes, little-endian, back to back; offsets are relative to this part
 * Weights are written as F32; F32, F16, BF16 and F64 are read (and converted to float32).
 * I64 (PyTorch's integer buffers, batch norm's num_batches_tracked) is read into a tensor with
 * dtype 'I64' (exact values in `int64`, float32 copies in `data`) and written back as I64.
 * U8 (raw bytes: packed codes of compressed weight signatures, src/core/patching) is written from
 * `uint8` and read only when the caller asks for it (`{ bytes: true }`); model files refuse it.
 *
 * Runs in: Node (core).
 */
import fs from 'node:fs';
import { LabError } from '../../shared/errors';
import { checkUnderCap, fileErrorFor, openRegularFile, readAt } from '../data/fsutil';
import { formatInput, type InputShape } from './architecture';
import { Model, type TorchTensor } from './model';
import { getArchitecture } from './registry';

const MAX_HEADER = 100 * 1024 * 1024;
const FLOAT_BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8 };
const OTHER_DTYPES = new Set(['BOOL', 'U8', 'I8', 'U16', 'I16', 'U32', 'I32', 'U64', 'F8_E4M3', 'F8_E5M2', 'C64']);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function bad(message: string): LabError {
  return new LabError('bad_file', message);
}

function numel(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** The exact int64 values of an 'I64' tensor (from `int64`, else the rounded floats). */
function int64Values(name: string, t: TorchTensor): BigInt64Array {
  if (t.int64) {
    if (t.int64.length !== t.data.length) throw new Error(`Internal error: tensor "${name}" has ${t.int64.length} int64 values for ${t.data.length} floats.`);
    return t.int64;
  }
  return BigInt64Array.from(t.data, (v) => {
    if (!Number.isSafeInteger(v)) throw new Error(`Internal error: tensor "${name}" is I64 but holds ${v}.`);
    return BigInt(v);
  });
}

/** Encodes tensors (PyTorch layouts: float32, or I64 where dtype says so) and optional string metadata. */
export function encodeSafetensors(tensors: Record<string, TorchTensor>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (name === '__metadata__') throw new Error('Internal error: a tensor may not be called __metadata__.');
    if (t.data.length !== numel(t.shape)) {
      throw new Error(`Internal error: tensor "${name}" has ${t.data.length} values for shape [${t.shape}].`);
    }
    if (t.dtype === 'U8' && (!t.uint8 || t.uint8.length !== t.data.length)) {
      throw new Error(`Internal error: U8 tensor "${name}" needs ${t.data.length} bytes in uint8.`);
    }
    const bytes = t.data.length * (t.dtype === 'I64' ? 8 : t.dtype === 'U8' ? 1 : 4);
    header[name] = { dtype: t.dtype ?? 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) json = Buffer.concat([json, Buffer.alloc(padded - json.length, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const [name, t] of entries) {
    if (t.dtype === 'U8') {
      out.set(t.uint8!, at);
      at += t.uint8!.length;
    } else if (t.dtype === 'I64') {
      for (const v of int64Values(name, t)) {
        out.writeBigInt64LE(v, at);
        at += 8;
      }
    } else if (LITTLE_ENDIAN) {
      Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
      at += t.data.byteLength;
    } else {
      for (let i = 0; i < t.data.length; i++, at += 4) out.writeFloatLE(t.data[i], at);
    }
  }
  return out;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // zero or subnormal
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function decodeFloats(dtype: string, view: DataView, begin: number, count: number): Float32Array {
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(begin + 4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(begin + 8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(begin + 2 * i, true));
      break;
    case 'BF16': {
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) u32[i] = view.getUint16(begin + 2 * i, true) << 16;
      break;
    }
  }
  return out;
}

/**
 * The header's JSON, from the start of a file of `total` bytes (`start` holds at least its first
 * 8 + header-length bytes when that fits the file). Messages never quote the file's bytes: a
 * length field that cannot be right is not repeated, and JSON errors give only a position.
 */
function parseHeader(start: Uint8Array, total: number): unknown {
  if (total < 8) {
    throw bad(`The file is too short to be a safetensors file (${total} bytes; the header length alone takes 8). Choose a complete .safetensors file.`);
  }
  const headerLen = new DataView(start.buffer, start.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(total - 8)) {
    throw bad(
      `The safetensors header length field asks for more bytes than the file has (${total - 8} after the length field); the file is truncated or not a safetensors file.`,
    );
  }
  const n = Number(headerLen);
  if (n > MAX_HEADER) throw bad('The safetensors header length field asks for more than the 100 MB the format allows; the file is broken or not a safetensors file.');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(start.subarray(8, 8 + n));
  } catch {
    throw bad('The safetensors header is not UTF-8 text; the file is broken or not a safetensors file.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const at = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw bad(`The safetensors header is not valid JSON${at ? ` (at byte ${at})` : ''}; the file is broken or not a safetensors file.`);
  }
}

/**
 * Reads a safetensors file a person pointed at, with a bound: only regular files, at most the
 * global cap, and its size must be exactly what its header's tensors cover (checked from the
 * header before the tensor data is read). Then `decodeSafetensors` checks everything else.
 */
export function readSafetensorsFile(path: string, what: string): Buffer {
  const { fd, size } = openRegularFile(path, what);
  try {
    const prefixLen = Math.min(size, 8);
    let start = readAt(fd, 0, prefixLen);
    if (size >= 8) {
      const n = start.readBigUInt64LE(0);
      if (n <= BigInt(Math.min(size - 8, MAX_HEADER))) start = readAt(fd, 0, 8 + Number(n));
    }
    const header = parseHeader(start, size);
    if (header && typeof header === 'object' && !Array.isArray(header)) {
      let end = 0;
      for (const [name, e] of Object.entries(header as Record<string, unknown>)) {
        if (name === '__metadata__' || !e || typeof e !== 'object') continue;
        const o = (e as { data_offsets?: unknown }).data_offsets;
        if (Array.isArray(o) && o.length === 2 && Number.isSafeInteger(o[1]) && (o[1] as number) > end) end = o[1] as number;
      }
      const dataLen = size - start.length;
      if (end > dataLen) {
        throw bad(`${what} is truncated: its header describes ${end} bytes of tensor data but the file holds only ${dataLen}; copy or save it again.`);
      }
      if (end < dataLen) {
        throw bad(`${what} has ${dataLen - end} bytes after the last tensor that no tensor accounts for; the file is broken.`);
      }
    }
    checkUnderCap(size, what);
    return readAt(fd, 0, size);
  } catch (err) {
    throw fileErrorFor(err, what) ?? err;
  } finally {
    fs.closeSync(fd);
  }
}

/** Decodes a safetensors file. Anything broken throws LabError('bad_file') saying what and where. */
export function decodeSafetensors(buf: Uint8Array, opts: { bytes?: boolean } = {}): {
  tensors: Record<string, TorchTensor>;
  metadata: Record<string, string>;
} {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 8) {
    throw bad(
      `The file is too short to be a safetensors file (${buf.byteLength} bytes; the header length alone takes 8). Choose a complete .safetensors file.`,
    );
  }
  const header = parseHeader(buf.subarray(0, Math.min(buf.byteLength, 8 + MAX_HEADER)), buf.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (!header || typeof header !== 'object' || Array.isArray(header)) {
    throw bad('The safetensors header is not a JSON object; the file is broken or not a safetensors file.');
  }
  const dataStart = 8 + n;
  const dataLen = buf.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors: Record<string, TorchTensor> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        throw bad('The safetensors metadata (__metadata__) is not a map of strings; the file is broken.');
      }
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw bad(`The safetensors metadata entry "${k}" is not a string; the file is broken.`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!e || typeof e !== 'object') throw bad(`Tensor "${name}" has no description in the safetensors header; the file is broken.`);
    const { dtype, shape, data_offsets: offsets } = e;
    if (typeof dtype !== 'string') throw bad(`Tensor "${name}" has no dtype in the safetensors header; the file is broken.`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw bad(`Tensor "${name}" has an invalid shape in the safetensors header; the file is broken.`);
    }
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      offsets[1] < offsets[0]
    ) {
      throw bad(`Tensor "${name}" has invalid data_offsets in the safetensors header; the file is broken.`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLen) {
      throw bad(
        `Tensor "${name}" claims bytes ${begin} to ${end} of the data, but the file holds only ${dataLen} bytes of data; the file is truncated.`,
      );
    }
    const width = dtype === 'I64' ? 8 : dtype === 'U8' && opts.bytes ? 1 : FLOAT_BYTES[dtype];
    if (width === undefined) {
      if (OTHER_DTYPES.has(dtype)) {
        throw bad(
          `Tensor "${name}" is stored as ${dtype}, but weights must be floating point (F32, F16, BF16 or F64); ` +
            'only I64 is read for integer buffers such as batch norm’s num_batches_tracked. Save the weights in one of these types and try again.',
        );
      }
      throw bad(`Tensor "${name}" has the unknown dtype "${dtype}"; the file is broken or from a newer format.`);
    }
    const count = numel(shape as number[]);
    if (end - begin !== count * width) {
      throw bad(
        `Tensor "${name}" has ${end - begin} bytes of data, but its shape [${(shape as number[]).join(', ')}] in ${dtype} needs ${count * width}; the file is broken.`,
      );
    }
    spans.push({ name, begin, end });
    if (dtype === 'U8') {
      const uint8 = Uint8Array.from(buf.subarray(dataStart + begin, dataStart + end));
      tensors[name] = { shape: [...(shape as number[])], data: Float32Array.from(uint8), dtype: 'U8', uint8 };
    } else if (dtype === 'I64') {
      const int64 = new BigInt64Array(count);
      for (let i = 0; i < count; i++) int64[i] = view.getBigInt64(dataStart + begin + 8 * i, true);
      tensors[name] = { shape: [...(shape as number[])], data: Float32Array.from(int64, (v) => Number(v)), dtype: 'I64', int64 };
    } else {
      tensors[name] = { shape: [...(shape as number[])], data: decodeFloats(dtype, view, dataStart + begin, count) };
    }
  }
  // The tensors must tile the data exactly: no overlaps, no holes, nothing left over.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const s of spans) {
    if (s.begin < at) throw bad(`Tensor "${s.name}" overlaps the tensor before it in the file's data; the file is broken.`);
    if (s.begin > at) throw bad(`There is a gap of ${s.begin - at} bytes before tensor "${s.name}" in the file's data; the file is broken.`);
    at = s.end;
  }
  if (at !== dataLen) {
    throw bad(`The file has ${dataLen - at} bytes after the last tensor that no tensor accounts for; the file is broken.`);
  }
  return { tensors, metadata };
}

/** The model's weights in PyTorch names and layouts, with the lab's metadata. */
export function modelToSafetensors(m: Model): Buffer {
  return encodeSafetensors(m.toTorchTensors(), {
    format: 'pt',
    robustlab_arch: m.archName,
    robustlab_input: `${m.input.height},${m.input.width},${m.input.channels}`,
    robustlab_classes: String(m.numClasses),
  });
}

function parseInput(s: string): InputShape | undefined {
  const parts = s.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || !parts.every((p) => Number.isInteger(p) && p > 0)) return undefined;
  return { height: parts[0], width: parts[1], channels: parts[2] };
}

/**
 * A model from a safetensors file. The input size is taken from opts, else the file's metadata,
 * else what the tensor shapes fix, else 28×28×1; the class count likewise (shapes always fix it).
 */
export function modelFromSafetensors(
  buf: Uint8Array,
  archName: string,
  opts: { input?: InputShape; numClasses?: number; archFromRecord?: boolean } = {},
): Model {
  const arch = getArchitecture(archName);
  const { tensors, metadata } = decodeSafetensors(buf);
  const fileArch = metadata.robustlab_arch;
  // archFromRecord: the lab's own model record names the architecture; the file keeps the name
  // it had when saved, which a rename of a stored architecture leaves behind (shapes are still checked).
  if (fileArch && fileArch !== arch.name && !opts.archFromRecord) {
    throw new LabError(
      'shape_mismatch',
      `This file holds a "${fileArch}" model, but the "${arch.name}" architecture was chosen. Choose "${fileArch}" instead.`,
    );
  }
  const shapes = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]));
  let inferred: { input?: InputShape; numClasses?: number } = {};
  if (!opts.input || opts.numClasses === undefined) {
    try {
      inferred = arch.inferFromTorchShapes(shapes);
    } catch (err) {
      // Missing tensors are reported by fromTorchTensors with both shapes; keep going.
      if (!(err instanceof LabError)) throw err;
    }
  }
  const metaInput = metadata.robustlab_input ? parseInput(metadata.robustlab_input) : undefined;
  const metaClasses = metadata.robustlab_classes ? Number(metadata.robustlab_classes) : undefined;
  const input = opts.input ?? metaInput ?? inferred.input ?? { height: 28, width: 28, channels: 1 };
  const numClasses =
    opts.numClasses ?? (Number.isInteger(metaClasses) ? metaClasses : undefined) ?? inferred.numClasses ?? 10;
  if (metaInput && opts.input && formatInput(metaInput) !== formatInput(opts.input)) {
    throw new LabError(
      'shape_mismatch',
      `This file's model was built for ${formatInput(metaInput)} images, but ${formatInput(opts.input)} was asked for. ` +
        `Leave the input size empty or set it to ${formatInput(metaInput)}.`,
    );
  }
  return Model.fromTorchTensors(arch.name, tensors, input, numClasses);
}
