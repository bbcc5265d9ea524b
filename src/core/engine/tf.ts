/**
 * The tfjs namespace, loaded on first use: commands that only read the store (`datasets list`,
 * `doctor`, the web server's listings) never pay the ≈0.3 s and ≈50 MB that tfjs costs (#12).
 *
 * Why by hand: ES imports are static, so `import * as tf from '@tensorflow/tfjs-core'` anywhere in
 * the import graph loads tfjs at start. Here `tf` is a Proxy that `require`s the packages (one CJS
 * instance, the same one tfjs-node later joins) and installs the kernel supplements the first time
 * any member is read, then forwards every read. The namespace below merges the type names used as
 * `tf.Tensor4D` and so on, so the rest of the code writes tfjs exactly as before.
 *
 * Runs in: Node (job workers, CLI, tests). Never in the renderer.
 */
// The @tensorflow/tfjs bundle's types add the chained tensor methods (x.sum(), ...) to Tensor.
/// <reference types="@tensorflow/tfjs" />
import type * as TF from '@tensorflow/tfjs-core';
import { requireHere } from './lazy-require';
import { installKernelSupplements } from './kernels';

let loaded: typeof TF | null = null;
let loading = false;

function load(): typeof TF {
  if (loaded) return loaded;
  if (loading) throw new Error('tfjs was used while it was still loading (a kernel module read tf at import time).');
  loading = true;
  try {
    const req = requireHere();
    if (!req) throw new Error('The compute engine cannot be loaded: no module loader is available here.');
    const core = req('@tensorflow/tfjs-core') as typeof TF;
    // tfjs-core's Node bundle registers neither the gradient functions nor the chained tensor
    // methods (x.sum(), ...); the @tensorflow/tfjs bundle registers both (and the cpu backend). It
    // shares tfjs-core's global engine and registries, so there is still one engine. The cpu and
    // wasm backends register the kernels that the supplements add to or replace.
    req('@tensorflow/tfjs');
    req('@tensorflow/tfjs-backend-cpu');
    req('@tensorflow/tfjs-backend-wasm');
    loaded = core;
    installKernelSupplements();
    return core;
  } finally {
    loading = false;
  }
}

/** Whether tfjs has been loaded in this process (the layer test and the bench check it). */
export function tfLoaded(): boolean {
  return loaded !== null;
}

/** The tfjs-backend-wasm module (setWasmPaths, getThreadsCount), loaded with the engine. */
export function tfWasm(): typeof import('@tensorflow/tfjs-backend-wasm') {
  load();
  return requireHere()!('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
}

export const tf: typeof TF = new Proxy({} as typeof TF, {
  get: (_target, key) => (load() as unknown as Record<string | symbol, unknown>)[key],
  has: (_target, key) => key in load(),
  ownKeys: () => Reflect.ownKeys(load()),
  getOwnPropertyDescriptor: (_target, key) => {
    const d = Reflect.getOwnPropertyDescriptor(load(), key);
    // A Proxy may only report configurable properties its (empty) target does not have.
    return d ? { ...d, configurable: true } : undefined;
  },
});

/** The tfjs type names the lab writes as `tf.X` (types only; the values come through the Proxy). */
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace tf {
  type Tensor<R extends TF.Rank = TF.Rank> = TF.Tensor<R>;
  type Scalar = TF.Scalar;
  type Tensor1D = TF.Tensor1D;
  type Tensor2D = TF.Tensor2D;
  type Tensor3D = TF.Tensor3D;
  type Tensor4D = TF.Tensor4D;
  type Variable<R extends TF.Rank = TF.Rank> = TF.Variable<R>;
  type NamedTensorMap = TF.NamedTensorMap;
  type Rank = TF.Rank;
  type TensorInfo = TF.TensorInfo;
}
