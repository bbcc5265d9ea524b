/**
 * Robust weight signatures: extraction from a family's weights, per-tensor compression, and the
 * signature file (safetensors: PyTorch names and layouts, packed codes as U8, a JSON description
 * in the metadata).
 *
 * Layers are the architecture's modules in its parameter order (conv1, conv2, fc1, …; a batch
 * norm module is a layer too): "the first K layers" means the first K of that list, shallow to
 * deep. Each layer carries all its parameters (weight and bias).
 *
 * Runs in: Node (core).
 */
import { LabError } from '../../shared/errors';
import type { SignatureCompression, SignatureTensorStats } from '../../shared/patching';
import type { ParamDef } from '../models/architecture';
import type { TorchTensor } from '../models/model';
import { decodeSafetensors, encodeSafetensors } from '../models/safetensors';
import {
  bitsFor,
  dequantize,
  distance,
  expandLowRank,
  lowRank,
  matrixShape,
  norm,
  packCodes,
  projectOut,
  quantize,
  subtract,
  unpackCodes,
  dot,
} from './math';

export interface LayerDef {
  /** Module name, e.g. 'conv1'. */
  name: string;
  /** Its parameters (PyTorch names), in order. */
  params: string[];
  size: number;
}

function numel(shape: readonly number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/** The architecture's layers (modules), shallow to deep, from its parameter definitions. */
export function layersOf(defs: ParamDef[]): LayerDef[] {
  const out: LayerDef[] = [];
  for (const d of defs) {
    const mod = d.name.includes('.') ? d.name.slice(0, d.name.lastIndexOf('.')) : d.name;
    let layer = out.find((l) => l.name === mod);
    if (!layer) {
      layer = { name: mod, params: [], size: 0 };
      out.push(layer);
    }
    layer.params.push(d.name);
    layer.size += numel(d.torchShape);
  }
  return out;
}

/** The layers a request names: 'all', the first K, or names (kept in the architecture's order). */
export function chooseLayers(all: LayerDef[], layers: number | 'all' | string[]): LayerDef[] {
  if (layers === 'all') return all;
  if (typeof layers === 'number') {
    if (!Number.isInteger(layers) || layers < 1 || layers > all.length) {
      throw new LabError('bad_input', `Choose between 1 and ${all.length} layers (this architecture has ${all.length}: ${all.map((l) => l.name).join(', ')}).`);
    }
    return all.slice(0, layers);
  }
  const wanted = new Set(layers);
  for (const name of wanted) {
    if (!all.some((l) => l.name === name)) {
      throw new LabError('bad_input', `The architecture has no layer "${name}"; its layers are ${all.map((l) => l.name).join(', ')}.`);
    }
  }
  return all.filter((l) => wanted.has(l.name));
}

/** Per layer: ‖θ_c − θ_pre‖, ‖θ_clean − θ_pre‖, and the norm of the projected update. */
export function layerDeltas(
  layers: LayerDef[],
  base: Record<string, TorchTensor>,
  source: Record<string, TorchTensor>,
  clean: Record<string, TorchTensor> | null,
): { layer: string; size: number; baseNorm: number; deltaNorm: number; cleanNorm: number | null; projectedNorm: number | null; relative: number }[] {
  return layers.map((l) => {
    let dd = 0;
    let aa = 0;
    let ss = 0;
    let bb = 0;
    for (const p of l.params) {
      const d = subtract(source[p].data, base[p].data);
      dd += dot(d, d);
      bb += dot(base[p].data, base[p].data);
      if (clean) {
        const a = subtract(clean[p].data, base[p].data);
        aa += dot(a, a);
        const s = projectOut(d, a).s;
        ss += dot(s, s);
      }
    }
    const deltaNorm = Math.sqrt(dd);
    const baseNorm = Math.sqrt(bb);
    return {
      layer: l.name,
      size: l.size,
      baseNorm,
      deltaNorm,
      cleanNorm: clean ? Math.sqrt(aa) : null,
      projectedNorm: clean ? Math.sqrt(ss) : null,
      relative: baseNorm > 0 ? deltaNorm / baseNorm : 0,
    };
  });
}

/** One signature tensor as stored, plus its dense (decoded) value. */
interface Encoded {
  stored: Record<string, TorchTensor>;
  entry: StoredTensor;
  dense: Float32Array;
}

/** How one tensor is stored in the file (the JSON in the file's metadata). */
export interface StoredTensor {
  name: string;
  shape: number[];
  encoding: 'full' | 'quantized' | 'lowrank';
  bits?: number;
  rank?: number;
}

function u8(shape: number[], bytes: Uint8Array): TorchTensor {
  return { shape, data: Float32Array.from(bytes), dtype: 'U8', uint8: bytes };
}

/** Compresses one tensor as the compression asks (low rank for matrices, quantization otherwise or as well). */
function encodeTensor(name: string, shape: number[], s: Float32Array, c: SignatureCompression): Encoded {
  const mat = matrixShape(shape);
  if (c.rank && mat && c.rank < Math.min(mat[0], mat[1])) {
    const f = lowRank(s, mat[0], mat[1], c.rank);
    return {
      stored: { [`${name}.left`]: { shape: [f.rows, f.rank], data: f.left }, [`${name}.right`]: { shape: [f.rank, f.cols], data: f.right } },
      entry: { name, shape, encoding: 'lowrank', rank: f.rank },
      dense: expandLowRank(f),
    };
  }
  if (c.quantize) {
    const q = quantize(s, c.quantize.scheme, c.quantize.levels);
    const bits = bitsFor(q.codebook.length);
    const packed = packCodes(q.codes, bits);
    return {
      stored: { [`${name}.codebook`]: { shape: [q.codebook.length], data: q.codebook }, [`${name}.codes`]: u8([packed.length], packed) },
      entry: { name, shape, encoding: 'quantized', bits },
      dense: dequantize(q),
    };
  }
  return { stored: { [name]: { shape, data: Float32Array.from(s) } }, entry: { name, shape, encoding: 'full' }, dense: Float32Array.from(s) };
}

function storedBytes(stored: Record<string, TorchTensor>): number {
  return Object.values(stored).reduce((n, t) => n + (t.dtype === 'U8' ? t.data.length : 4 * t.data.length), 0);
}

/** What a signature file describes about itself (its metadata). */
export interface SignatureFileMeta {
  arch: string;
  inputShape: [number, number, number];
  numClasses: number;
  layers: string[];
  projection: boolean;
  compression: SignatureCompression;
  tensors: StoredTensor[];
}

export interface ExtractInput {
  arch: string;
  inputShape: [number, number, number];
  numClasses: number;
  layers: LayerDef[];
  base: Record<string, TorchTensor>;
  source: Record<string, TorchTensor>;
  /** The clean reference; null only when projection is off. */
  clean: Record<string, TorchTensor> | null;
  projection: boolean;
  compression: SignatureCompression;
}

export interface Extracted {
  bytes: Buffer;
  meta: SignatureFileMeta;
  /** The signature as it will be applied (after compression), by parameter name. */
  dense: Record<string, TorchTensor>;
  stats: SignatureTensorStats[];
}

/**
 * s = θ_c − θ_pre with θ_clean − θ_pre projected out (unless projection is off), per parameter of
 * the chosen layers, compressed, and encoded as a safetensors file.
 */
export function extractSignature(inp: ExtractInput): Extracted {
  if (inp.projection && !inp.clean) throw new LabError('bad_input', 'Projection needs the clean reference model; give one or turn projection off.');
  const stored: Record<string, TorchTensor> = {};
  const dense: Record<string, TorchTensor> = {};
  const tensors: StoredTensor[] = [];
  const stats: SignatureTensorStats[] = [];
  for (const layer of inp.layers) {
    for (const p of layer.params) {
      const shape = [...inp.base[p].shape];
      const d = subtract(inp.source[p].data, inp.base[p].data);
      let s = d;
      let cosine: number | null = null;
      if (inp.clean) {
        const a = subtract(inp.clean[p].data, inp.base[p].data);
        const na = norm(a);
        const nd = norm(d);
        cosine = na > 0 && nd > 0 ? dot(d, a) / (na * nd) : 0;
        if (inp.projection) s = projectOut(d, a).s;
      }
      const enc = encodeTensor(p, shape, s, inp.compression);
      Object.assign(stored, enc.stored);
      dense[p] = { shape, data: enc.dense };
      tensors.push(enc.entry);
      const ns = norm(s);
      stats.push({
        name: p,
        layer: layer.name,
        shape,
        deltaNorm: norm(d),
        signatureNorm: ns,
        cosineWithClean: cosine,
        encoding: enc.entry.encoding,
        bytes: storedBytes(enc.stored),
        fullBytes: 4 * s.length,
        reconstructionError: ns > 0 ? distance(enc.dense, s) / ns : 0,
      });
    }
  }
  const meta: SignatureFileMeta = {
    arch: inp.arch,
    inputShape: inp.inputShape,
    numClasses: inp.numClasses,
    layers: inp.layers.map((l) => l.name),
    projection: inp.projection,
    compression: inp.compression,
    tensors,
  };
  const bytes = encodeSafetensors(stored, { format: 'pt', robustlab_kind: 'signature', robustlab_signature: JSON.stringify(meta) });
  return { bytes, meta, dense, stats };
}

/** A signature file back to its dense tensors. Broken files throw LabError('bad_file'). */
export function decodeSignature(bytes: Uint8Array): { meta: SignatureFileMeta; dense: Record<string, TorchTensor> } {
  const { tensors, metadata } = decodeSafetensors(bytes, { bytes: true });
  if (metadata.robustlab_kind !== 'signature' || !metadata.robustlab_signature) {
    throw new LabError('bad_file', 'This file is not a weight signature written by the lab (its metadata has no signature description).');
  }
  let meta: SignatureFileMeta;
  try {
    meta = JSON.parse(metadata.robustlab_signature) as SignatureFileMeta;
  } catch {
    throw new LabError('bad_file', 'The signature description in this file is not valid JSON; the file is broken.');
  }
  const need = (n: string): TorchTensor => {
    const t = tensors[n];
    if (!t) throw new LabError('bad_file', `The signature file has no tensor "${n}"; the file is broken.`);
    return t;
  };
  const dense: Record<string, TorchTensor> = {};
  for (const e of meta.tensors) {
    const count = numel(e.shape);
    let data: Float32Array;
    if (e.encoding === 'full') data = Float32Array.from(need(e.name).data);
    else if (e.encoding === 'lowrank') {
      const left = need(`${e.name}.left`);
      const right = need(`${e.name}.right`);
      data = expandLowRank({ rows: left.shape[0], cols: right.shape[1], rank: left.shape[1], left: left.data, right: right.data });
    } else {
      const codebook = need(`${e.name}.codebook`).data;
      const codes = need(`${e.name}.codes`);
      if (!codes.uint8 || !e.bits) throw new LabError('bad_file', `The codes of "${e.name}" are not stored as bytes; the file is broken.`);
      const unpacked = unpackCodes(codes.uint8, e.bits, count);
      data = dequantize({ codebook, codes: unpacked });
    }
    if (data.length !== count) throw new LabError('bad_file', `Tensor "${e.name}" decodes to ${data.length} values for shape [${e.shape.join(', ')}]; the file is broken.`);
    dense[e.name] = { shape: [...e.shape], data };
  }
  return { meta, dense };
}
