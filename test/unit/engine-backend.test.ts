import { afterEach, describe, expect, test, vi } from 'vitest';
import { createRequire } from 'node:module';
import path from 'node:path';
import { engineInfo, initEngine, memory, tf, wasmDir } from '../../src/core/engine/backend';
import { KERNEL_SUPPLEMENTS } from '../../src/core/engine/kernels';
import { LabError } from '../../src/shared/errors';

const savedEnv = { backend: process.env.ROBUSTLAB_BACKEND, wasm: process.env.ROBUSTLAB_WASM_DIR };
afterEach(() => {
  for (const [k, v] of [
    ['ROBUSTLAB_BACKEND', savedEnv.backend],
    ['ROBUSTLAB_WASM_DIR', savedEnv.wasm],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

async function labError(p: Promise<unknown>): Promise<LabError> {
  try {
    await p;
  } catch (err) {
    // By name: the last test loads a second copy of the module graph, with its own LabError class.
    expect((err as Error).name).toBe('LabError');
    return err as LabError;
  }
  throw new Error('expected a LabError');
}

// The tests in this file run in order and share the engine's state.
describe('initEngine', () => {
  test('engineInfo() throws before the engine is started', () => {
    expect(() => engineInfo()).toThrow(/initEngine/);
  });

  test('picks wasm here and says why the native backends were not used', async () => {
    delete process.env.ROBUSTLAB_BACKEND;
    const info = await initEngine();
    expect(info.name).toBe('wasm');
    expect(info.package).toBe('@tensorflow/tfjs-backend-wasm');
    expect(info.device).toMatch(/^CPU, wasm( SIMD)?, \d+ threads?$/);
    expect(info.tfjsVersion).toBe(tf.version_core);
    expect(info.fallbacks).toHaveLength(2);
    // The GPU sentence also says why no GPU is usable (no driver here; missing CUDA/cuDNN elsewhere).
    expect(info.fallbacks[0]).toMatch(/^tfjs-node-gpu is not installed \(npm could not download libtensorflow\); .+; using wasm\.$/);
    expect(info.fallbacks[0]).toMatch(/no NVIDIA GPU driver was found|CUDA|cuDNN/);
    expect(info.fallbacks[1]).toBe('tfjs-node is not installed (npm could not download libtensorflow); using wasm.');
    expect(tf.getBackend()).toBe('wasm');
    expect(engineInfo()).toBe(info);
  });

  test('is idempotent and puts its backend back if someone switched away', async () => {
    const first = engineInfo();
    const [a, b] = await Promise.all([initEngine(), initEngine()]);
    expect(a).toBe(first);
    expect(b).toBe(first);
    await tf.setBackend('cpu');
    expect(await initEngine()).toBe(first);
    expect(tf.getBackend()).toBe('wasm');
  });

  test('forcing an unavailable native backend is a clear "unavailable" error', async () => {
    for (const force of ['tensorflow', 'tensorflow-gpu']) {
      const err = await labError(initEngine({ force }));
      expect(err.code).toBe('unavailable');
      expect(err.message).toMatch(force === 'tensorflow' ? /tfjs-node is not installed/ : /tfjs-node-gpu is not installed/);
      expect(err.message).toMatch(/Choose another backend/);
    }
    // The engine keeps running on what it had.
    expect(engineInfo().name).toBe('wasm');
  });

  test('an unknown backend name is bad input', async () => {
    const err = await labError(initEngine({ force: 'gpu-please' }));
    expect(err.code).toBe('bad_input');
    expect(err.message).toContain('"gpu-please"');
    process.env.ROBUSTLAB_BACKEND = 'webgl';
    const err2 = await labError(initEngine());
    expect(err2.code).toBe('bad_input');
    expect(err2.message).toContain('ROBUSTLAB_BACKEND');
  });

  test('ROBUSTLAB_BACKEND and opts.force switch backends', async () => {
    process.env.ROBUSTLAB_BACKEND = 'cpu';
    const cpu = await initEngine();
    expect(cpu.name).toBe('cpu');
    expect(cpu.device).toBe('CPU, plain JavaScript, 1 thread');
    expect(cpu.fallbacks[0]).toMatch(/chosen by ROBUSTLAB_BACKEND/);
    expect(tf.getBackend()).toBe('cpu');
    process.env.ROBUSTLAB_BACKEND = 'auto';
    expect(await initEngine()).toBe(cpu); // auto: keep what is running
    const wasm = await initEngine({ force: 'wasm' });
    expect(wasm.name).toBe('wasm');
    expect(wasm.fallbacks[0]).toMatch(/chosen by the backend setting/);
    expect(tf.getBackend()).toBe('wasm');
  });

  test('memory() counts live tensors', () => {
    const before = memory();
    const t = tf.ones([10, 10]);
    expect(memory().numTensors).toBe(before.numTensors + 1);
    expect(memory().numBytes).toBe(before.numBytes + 400);
    t.dispose();
    expect(memory()).toEqual(before);
  });

  test('gradients and chained ops are registered; wasm has the supplied kernels', () => {
    expect(tf.getGradient('Mean')).toBeDefined();
    expect(tf.getGradient('Conv2D')).toBeDefined();
    expect(typeof (tf.ones([1]) as unknown as { sum?: unknown }).sum).toBe('function');
    for (const k of KERNEL_SUPPLEMENTS.wasm.added) expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
  });

  test('there is one copy of tfjs-core: every tfjs package resolves the same file', () => {
    const req = createRequire(import.meta.url);
    const core = req.resolve('@tensorflow/tfjs-core');
    for (const pkg of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-cpu', '@tensorflow/tfjs']) {
      const from = createRequire(req.resolve(pkg));
      expect(from.resolve('@tensorflow/tfjs-core'), pkg).toBe(core);
    }
    expect(req('@tensorflow/tfjs-core').ones).toBe(tf.ones);
  });

  test('wasmDir() finds the wasm files and ROBUSTLAB_WASM_DIR overrides it', () => {
    const dir = wasmDir();
    expect(dir).toMatch(/tfjs-backend-wasm[\\/]dist$/);
    process.env.ROBUSTLAB_WASM_DIR = '/some/where';
    expect(wasmDir()).toBe(path.resolve('/some/where'));
  });

  test('a wrong ROBUSTLAB_WASM_DIR falls back to cpu with a sentence saying what to set', async () => {
    vi.resetModules(); // a fresh engine module that has not set up wasm yet
    const fresh = await import('../../src/core/engine/backend');
    process.env.ROBUSTLAB_WASM_DIR = '/nonexistent/wasm-dir';
    delete process.env.ROBUSTLAB_BACKEND;
    const info = await fresh.initEngine();
    expect(info.name).toBe('cpu');
    expect(info.fallbacks).toHaveLength(3);
    expect(info.fallbacks[2]).toBe(
      `The wasm files were not found in ${path.resolve('/nonexistent/wasm-dir')} (set ROBUSTLAB_WASM_DIR to the folder that holds tfjs-backend-wasm.wasm); using cpu.`,
    );
    const err = await labError(fresh.initEngine({ force: 'wasm' }));
    expect(err.code).toBe('unavailable');
    expect(err.message).toMatch(/ROBUSTLAB_WASM_DIR/);
  });
});
