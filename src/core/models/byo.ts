/**
 * Bring-your-own networks: architecture details and summaries, which architecture a PyTorch
 * safetensors file fits (or the first mismatch for each), and a model's export bundle (layer list
 * + a generated PyTorch snippet). Works on built-in and stored layer-list architectures alike,
 * through the one registry.
 *
 * Runs in: Node (core).
 */
import { LabError } from '../../shared/errors';
import type { ArchitectureDetail, ArchitectureProposal, ArchitectureSummary, LayerListSpec, LayerSummaryRow } from '../../shared/byo';
import { type Architecture, type ConvPad, type InputShape, type LayerOp } from './architecture';
import { layerListArchitecture, pytorchSnippet, summarize } from './layer-list';
import { ARCHITECTURES, getArchitecture, listArchitectures } from './registry';
import { decodeSafetensors, readSafetensorsFile } from './safetensors';
import { storedArchitectureRows } from './stored';

function layerListOf(arch: Architecture): LayerListSpec | null {
  return (arch as { layerList?: LayerListSpec }).layerList ?? null;
}

function outSide(side: number, k: number, stride: number, pad: ConvPad): number {
  if (pad === 'same') return Math.ceil(side / stride);
  return Math.floor((side + 2 * (pad === 'valid' ? 0 : pad) - k) / stride) + 1;
}

/** A summary from a built-in architecture's layer-graph view (or only totals when it has none). */
function builtinSummary(arch: Architecture, input: InputShape, numClasses: number): ArchitectureSummary {
  const defs = arch.params(input, numClasses);
  const params = defs.reduce((t, d) => t + d.torchShape.reduce((a, b) => a * b, 1), 0);
  const shapeOf = new Map(defs.map((d) => [d.name, d.torchShape]));
  if (!arch.layers) return { input: [input.height, input.width, input.channels], numClasses, layers: [], params, flops: null };
  let s: number[] = [input.channels, input.height, input.width];
  const rows: LayerSummaryRow[] = [];
  const size = (n?: string) => (n ? (shapeOf.get(n) ?? []).reduce((a, b) => a * b, 1) : 0);
  arch.layers(input, numClasses).forEach((op: LayerOp, i) => {
    let p = 0;
    let flops = 0;
    switch (op.op) {
      case 'conv2d': {
        const [out, cin, kh] = shapeOf.get(op.weight)!;
        s = [out!, outSide(s[1]!, kh!, op.stride, op.pad), outSide(s[2]!, kh!, op.stride, op.pad)];
        p = size(op.weight) + size(op.bias);
        flops = 2 * s[0]! * s[1]! * s[2]! * cin! * kh! * kh!;
        break;
      }
      case 'linear': {
        const [out, cin] = shapeOf.get(op.weight)!;
        s = [out!];
        p = size(op.weight) + size(op.bias);
        flops = 2 * out! * cin!;
        break;
      }
      case 'maxpool':
      case 'avgpool':
        s = [s[0]!, outSide(s[1]!, op.size, op.stride, 'valid'), outSide(s[2]!, op.size, op.stride, 'valid')];
        break;
      case 'flatten-chw':
        s = [s.reduce((a, b) => a * b, 1)];
        break;
      case 'batchnorm':
        p = size(op.weight) + size(op.bias);
        break;
      case 'relu':
        break;
    }
    rows.push({ path: String(i), type: op.op, outShape: s, params: p, flops });
  });
  return { input: [input.height, input.width, input.channels], numClasses, layers: rows, params, flops: rows.reduce((t, r) => t + r.flops, 0) };
}

/** Layers, output shapes, parameters and FLOPs of an architecture at an input size and class count. */
export function architectureSummary(archName: string, input?: InputShape, numClasses?: number): ArchitectureSummary {
  const arch = getArchitecture(archName);
  const ll = layerListOf(arch);
  if (ll) return summarize(ll);
  if (!input || numClasses === undefined) throw new LabError('bad_input', `The ${archName} architecture adapts to its data; give an input size and class count (or a model) for its summary.`);
  return builtinSummary(arch, input, numClasses);
}

export function architectureDetail(name: string, createdAt: string | null = null): ArchitectureDetail {
  const arch = getArchitecture(name);
  const ll = layerListOf(arch);
  const row = storedArchitectureRows().find((r) => r.name === arch.name);
  return {
    name: arch.name,
    title: arch.title,
    description: arch.description,
    builtin: Object.prototype.hasOwnProperty.call(ARCHITECTURES, arch.name),
    spec: ll,
    summary: ll ? summarize(ll) : null,
    pytorch: ll ? pytorchSnippet(ll) : null,
    createdAt: row?.createdAt ?? createdAt,
  };
}

/** The detail of a layer list that is not stored (the editor's check before saving). */
export function layerListDetail(spec: LayerListSpec): ArchitectureDetail {
  const arch = layerListArchitecture(spec);
  return { name: spec.name, title: arch.title, description: arch.description, builtin: false, spec, summary: summarize(spec), pytorch: pytorchSnippet(spec), createdAt: null };
}

function dims(shape: readonly number[]): string {
  return shape.length === 0 ? 'a scalar' : shape.join('×');
}

/**
 * The first difference between the tensors an architecture needs and those in a file: a missing
 * tensor, a shape that differs ("fc1.weight: expected 256×784, file has 128×784"), or a tensor
 * the architecture does not have. Null when they match exactly.
 */
export function firstMismatch(arch: Architecture, input: InputShape, numClasses: number, shapes: Record<string, number[]>): string | null {
  const need = [...arch.params(input, numClasses).map((d) => [d.name, d.torchShape] as const), ...(arch.buffers?.(input, numClasses) ?? []).map((b) => [b.name, b.torchShape] as const)];
  for (const [name, shape] of need) {
    const got = shapes[name];
    if (!got) {
      // PyTorch saves num_batches_tracked, other exporters may not: not a reason to refuse.
      if (name.endsWith('num_batches_tracked')) continue;
      return `${name}: expected ${dims(shape)}, the file has no such tensor`;
    }
    if (got.length !== shape.length || got.some((v, i) => v !== shape[i])) return `${name}: expected ${dims(shape)}, file has ${dims(got)}`;
  }
  const known = new Set(need.map(([n]) => n));
  const extra = Object.keys(shapes).find((n) => !known.has(n));
  if (extra) return `${extra}: the file has this tensor (${dims(shapes[extra]!)}), the architecture does not`;
  return null;
}

/** Which architectures (built-in and stored) a safetensors file fits, and why the others do not. */
export function proposeArchitectures(file: string, hint?: InputShape): ArchitectureProposal {
  const { tensors } = decodeSafetensors(readSafetensorsFile(file, `Model file "${file}"`));
  const shapes = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.shape]));
  const out: ArchitectureProposal = { matches: [], mismatches: [], tensors: Object.keys(shapes).length };
  for (const info of listArchitectures()) {
    const arch = getArchitecture(info.name);
    let reason: string | null;
    let input: InputShape | undefined = hint;
    let numClasses = 0;
    try {
      const inf = arch.inferFromTorchShapes(shapes);
      input = layerListOf(arch) ? inf.input : (hint ?? inf.input ?? { height: 28, width: 28, channels: 1 });
      numClasses = inf.numClasses;
      reason = firstMismatch(arch, input!, numClasses, shapes);
    } catch (err) {
      if (!(err instanceof LabError)) throw err;
      reason = err.message;
    }
    if (reason === null) out.matches.push({ name: arch.name, input: [input!.height, input!.width, input!.channels], numClasses });
    else out.mismatches.push({ name: arch.name, reason });
  }
  // Layer-list architectures first: they were written for a file like this one.
  out.matches.sort((a, b) => Number(!!layerListOf(getArchitecture(b.name))) - Number(!!layerListOf(getArchitecture(a.name))));
  return out;
}

