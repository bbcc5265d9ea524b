/**
 * Conversions between PyTorch layouts (conv [out, in, kh, kw], linear [out, in]) and tfjs layouts
 * (conv [kh, kw, in, out], linear [in, out]) on plain Float32Arrays. Biases are the same in both.
 *
 * Runs in: anywhere (no dependencies).
 */
import type { ParamKind } from './architecture';

export function tfjsShape(kind: ParamKind, torchShape: readonly number[]): number[] {
  switch (kind) {
    case 'conv2d.weight': {
      const [o, i, kh, kw] = torchShape;
      return [kh, kw, i, o];
    }
    case 'linear.weight': {
      const [o, i] = torchShape;
      return [i, o];
    }
    case 'bias':
    case 'batchnorm.weight':
    case 'batchnorm.bias':
      return [...torchShape];
  }
}

/** PyTorch layout values → tfjs layout values. */
export function torchToTfjs(kind: ParamKind, torchShape: readonly number[], data: Float32Array): Float32Array {
  const out = new Float32Array(data.length);
  if (kind === 'conv2d.weight') {
    const [co, ci, kh, kw] = torchShape;
    for (let o = 0; o < co; o++)
      for (let i = 0; i < ci; i++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) out[((a * kw + b) * ci + i) * co + o] = data[((o * ci + i) * kh + a) * kw + b];
  } else if (kind === 'linear.weight') {
    const [co, ci] = torchShape;
    for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) out[i * co + o] = data[o * ci + i];
  } else {
    out.set(data);
  }
  return out;
}

/** tfjs layout values → PyTorch layout values. */
export function tfjsToTorch(kind: ParamKind, torchShape: readonly number[], data: Float32Array): Float32Array {
  const out = new Float32Array(data.length);
  if (kind === 'conv2d.weight') {
    const [co, ci, kh, kw] = torchShape;
    for (let o = 0; o < co; o++)
      for (let i = 0; i < ci; i++)
        for (let a = 0; a < kh; a++)
          for (let b = 0; b < kw; b++) out[((o * ci + i) * kh + a) * kw + b] = data[((a * kw + b) * ci + i) * co + o];
  } else if (kind === 'linear.weight') {
    const [co, ci] = torchShape;
    for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) out[o * ci + i] = data[i * co + o];
  } else {
    out.set(data);
  }
  return out;
}
