/**
 * Chooses and starts the tfjs compute backend, fastest first:
 *   1. tensorflow  from @tensorflow/tfjs-node-gpu (libtensorflow with CUDA)
 *   2. tensorflow  from @tensorflow/tfjs-node     (libtensorflow on the CPU)
 *   3. wasm        from @tensorflow/tfjs-backend-wasm (XNNPACK, SIMD)
 *   4. cpu         from @tensorflow/tfjs-backend-cpu  (plain JavaScript)
 * The two native packages are optional dependencies that download libtensorflow when installed,
 * so they are loaded with a dynamic import and their absence is an ordinary fallback.
 *
 * Runs in: Node (job workers, CLI, tests). Never in the renderer.
 */
import { tf, tfWasm } from './tf';
import { requireHere } from './lazy-require';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackendInfo } from '../../shared/schemas';
import { LabError } from '../../shared/errors';
import { configuredThreads } from './threads';

export { tf };

/** The names accepted by `ROBUSTLAB_BACKEND` and `initEngine({ force })`. */
export const BACKEND_CHOICES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

const PACKAGES: Record<BackendChoice, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** Short names used in the plain-language fallback sentences. */
const SHORT: Record<BackendChoice, string> = {
  'tensorflow-gpu': 'tfjs-node-gpu',
  tensorflow: 'tfjs-node',
  wasm: 'wasm',
  cpu: 'cpu',
};

type Attempt = { ok: true; info: Omit<BackendInfo, 'fallbacks' | 'tfjsVersion'> } | { ok: false; why: string };

let current: { choice: BackendChoice; info: BackendInfo } | null = null;
let queue: Promise<unknown> = Promise.resolve();
let nativeLoaded: BackendChoice | null = null;
let wasmPathSet = false;

function isInstalled(pkg: string): boolean {
  const req = requireHere();
  if (!req) return false;
  try {
    req.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].trim().replace(/\.$/, '');
}

/** The folder that holds tfjs-backend-wasm's .wasm files (ROBUSTLAB_WASM_DIR overrides it). */
export function wasmDir(): string | null {
  const override = process.env.ROBUSTLAB_WASM_DIR?.trim();
  if (override) return path.resolve(override);
  const req = requireHere();
  if (!req) return null;
  try {
    return path.dirname(req.resolve('@tensorflow/tfjs-backend-wasm'));
  } catch {
    return null;
  }
}

/** What @tensorflow/tfjs-node-gpu 4.22 needs: libtensorflow 2.9.1, built against CUDA 11.2 and cuDNN 8.1. */
export const GPU_REQUIREMENTS = 'tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs an NVIDIA driver ≥ 450, CUDA 11.2 and cuDNN 8.1 on Linux x86-64 or Windows';

function onPath(cmd: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, cmd))) return true;
  }
  return false;
}

/** Whether a shared library can be found where the dynamic loader looks (Linux). */
function findLibrary(file: string): boolean {
  const dirs = new Set<string>();
  for (const d of (process.env.LD_LIBRARY_PATH ?? '').split(':')) if (d) dirs.add(d);
  for (const d of ['/usr/local/cuda/lib64', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu']) dirs.add(d);
  try {
    for (const e of readdirSync('/usr/local')) if (e.startsWith('cuda')) dirs.add(path.join('/usr/local', e, 'lib64'));
  } catch {
    /* no /usr/local */
  }
  for (const d of dirs) if (existsSync(path.join(d, file))) return true;
  try {
    const r = spawnSync('ldconfig', ['-p'], { encoding: 'utf8', timeout: 2000 });
    if (r.status === 0 && r.stdout.includes(file)) return true;
  } catch {
    /* no ldconfig */
  }
  return false;
}

let gpuWhy: string | null = null;

/**
 * Why no CUDA GPU can be used here, in one plain sentence part: no NVIDIA driver, or which of
 * the CUDA 11.2 / cuDNN 8.1 libraries that tfjs-node-gpu 4.22 loads are missing.
 */
export function gpuDiagnosis(): string {
  if (gpuWhy) return gpuWhy;
  if (process.platform !== 'linux' && process.platform !== 'win32') {
    gpuWhy = `CUDA GPUs work only on Linux and Windows (this is ${process.platform})`;
  } else if (process.platform === 'win32') {
    gpuWhy = onPath('nvidia-smi.exe') ? `an NVIDIA driver is present; ${GPU_REQUIREMENTS}` : 'no NVIDIA GPU driver was found (no nvidia-smi)';
  } else {
    const driver = existsSync('/proc/driver/nvidia/version') || onPath('nvidia-smi');
    if (!driver) {
      gpuWhy = 'no NVIDIA GPU driver was found (no nvidia-smi, no /proc/driver/nvidia), so this machine has no GPU to use';
    } else {
      const missing = [
        !findLibrary('libcudart.so.11.0') && 'the CUDA 11 runtime (libcudart.so.11.0)',
        !findLibrary('libcudnn.so.8') && 'cuDNN 8 (libcudnn.so.8)',
      ].filter((m): m is string => !!m);
      gpuWhy = missing.length
        ? `an NVIDIA driver is present but ${missing.join(' and ')} ${missing.length > 1 ? 'were' : 'was'} not found; ${GPU_REQUIREMENTS}`
        : 'an NVIDIA driver, the CUDA 11 runtime and cuDNN 8 are present';
    }
  }
  return gpuWhy;
}

/** Why a native package cannot be used without loading it (not installed), or null. */
function nativeMissing(choice: 'tensorflow-gpu' | 'tensorflow'): Attempt | null {
  if (nativeLoaded === choice || isInstalled(PACKAGES[choice])) return null;
  const gpu = choice === 'tensorflow-gpu' ? `; ${gpuDiagnosis()}` : '';
  return { ok: false, why: `${SHORT[choice]} is not installed (npm could not download libtensorflow)${gpu}` };
}

async function tryNative(choice: 'tensorflow-gpu' | 'tensorflow'): Promise<Attempt> {
  const pkg = PACKAGES[choice];
  const short = SHORT[choice];
  if (nativeLoaded && nativeLoaded !== choice) {
    // Both packages register a backend called 'tensorflow'; only one may be loaded per process.
    return { ok: false, why: `${short} cannot be loaded because ${SHORT[nativeLoaded]} is already loaded in this process` };
  }
  const gpu = choice === 'tensorflow-gpu' ? `; ${gpuDiagnosis()}` : '';
  const missing = nativeMissing(choice);
  if (missing) return missing;
  try {
    const name: string = pkg; // a variable keeps bundlers from trying to resolve it at build time
    await import(/* @vite-ignore */ name);
    nativeLoaded = choice;
  } catch (err) {
    return { ok: false, why: `${short} is installed but could not load (${firstLine(err)})${gpu}` };
  }
  if (!(await tf.setBackend('tensorflow'))) {
    return { ok: false, why: `${short} loaded but its backend did not start` };
  }
  const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
  const onGpu = b.isUsingGpuDevice === true;
  if (choice === 'tensorflow-gpu' && !onGpu) {
    return {
      ok: true,
      info: { name: 'tensorflow', package: pkg, device: `CPU (libtensorflow, ${os.cpus().length} cores; no usable CUDA GPU: ${gpuDiagnosis()})` },
    };
  }
  return {
    ok: true,
    info: {
      name: 'tensorflow',
      package: pkg,
      device: onGpu ? 'NVIDIA GPU (CUDA, libtensorflow)' : `CPU (libtensorflow, ${os.cpus().length} cores)`,
    },
  };
}

/** The wasm backend's files, and what it will report, without loading tfjs. */
function wasmFiles(): { dir: string } | { why: string } {
  const dir = wasmDir();
  if (!dir || !existsSync(path.join(dir, 'tfjs-backend-wasm.wasm'))) {
    return {
      why:
        `The wasm files were not found${dir ? ` in ${dir}` : ''} ` +
        '(set ROBUSTLAB_WASM_DIR to the folder that holds tfjs-backend-wasm.wasm)',
    };
  }
  return { dir };
}

function wasmDevice(simd: boolean, threads: number): string {
  return `CPU, wasm${simd ? ' SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'}`;
}

/**
 * Whether this runtime's WebAssembly has the SIMD proposal (tfjs-backend-wasm then loads its
 * SIMD build): validates a nine-byte function body that splats an i32 into a v128 (0xfd 0x0f)
 * and counts its bits (0xfd 0x62). Written out here because tfjs keeps its own check private.
 */
function wasmSimd(): boolean {
  const module = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11];
  try {
    return WebAssembly.validate(new Uint8Array(module));
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<Attempt> {
  if (!wasmPathSet) {
    const files = wasmFiles();
    if ('why' in files) return { ok: false, why: files.why };
    const dir = files.dir;
    try {
      tfWasm().setWasmPaths(dir.endsWith(path.sep) ? dir : dir + path.sep);
      wasmPathSet = true;
    } catch (err) {
      return { ok: false, why: `The wasm backend could not be set up (${firstLine(err)})` };
    }
  }
  // tfjs-backend-wasm reports no thread support under Node (its pthread workers need blob URLs,
  // which Node's worker_threads refuse), so it runs the SIMD build on one thread; the engine's
  // data-parallel executor (./parallel) runs one such backend per worker thread instead.
  let ok = false;
  const held: unknown[] = [];
  try {
    ok = await quietly(() => tf.setBackend('wasm'), held);
  } catch (err) {
    return { ok: false, why: `The wasm backend did not start (${firstLine(err)})` };
  }
  if (!ok) {
    const err = held.find((h) => h instanceof Error);
    return { ok: false, why: `The wasm backend did not start${err ? ` (${firstLine(err)})` : ''}` };
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  let threads = 1;
  try {
    threads = Math.max(1, tfWasm().getThreadsCount());
  } catch {
    threads = 1;
  }
  // Threads of the data-parallel executor (ROBUSTLAB_THREADS; 1 = off).
  if (threads === 1) threads = configuredThreads();
  return {
    ok: true,
    info: {
      name: 'wasm',
      package: PACKAGES.wasm,
      device: wasmDevice(simd === true, threads),
    },
  };
}

async function tryCpu(): Promise<Attempt> {
  const ok = await tf.setBackend('cpu');
  if (!ok) return { ok: false, why: 'The cpu backend did not start' };
  // The cpu backend prints an advert for tfjs-node on first use; the fallback list says it already.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return { ok: true, info: { name: 'cpu', package: PACKAGES.cpu, device: 'CPU, plain JavaScript, 1 thread' } };
}

/** Runs fn with tfjs's "Initialization of backend ... failed" console noise held back in `held`. */
async function quietly<T>(fn: () => Promise<T>, held: unknown[]): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void held.push(...args);
  try {
    return await fn();
  } finally {
    console.warn = warn;
  }
}

function attempt(choice: BackendChoice): Promise<Attempt> {
  switch (choice) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNative(choice);
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tryCpu();
  }
}

function parseChoice(raw: string | undefined, source: string): BackendChoice | undefined {
  const v = raw?.trim().toLowerCase();
  if (!v || v === 'auto') return undefined;
  if ((BACKEND_CHOICES as readonly string[]).includes(v)) return v as BackendChoice;
  throw new LabError(
    'bad_input',
    `Unknown compute backend "${raw}" in ${source}. Choose one of: ${BACKEND_CHOICES.join(', ')} (or auto).`,
  );
}

function forcedUnavailable(force: BackendChoice, source: string, why: string): LabError {
  return new LabError(
    'unavailable',
    `The ${force} backend asked for by ${source} cannot be used here: ${why}. ` +
      `Choose another backend (${BACKEND_CHOICES.filter((c) => c !== force).join(', ')}) or leave it on auto.`,
  );
}

async function start(force: BackendChoice | undefined, source: string): Promise<BackendInfo> {
  if (force) {
    const r = await attempt(force);
    if (!r.ok) throw forcedUnavailable(force, source, r.why);
    const info: BackendInfo = {
      ...r.info,
      tfjsVersion: tf.version_core,
      fallbacks: [`The ${force} backend was chosen by ${source}; other backends were not tried.`],
    };
    current = { choice: force, info };
    return info;
  }
  const reasons: string[] = [];
  for (const choice of BACKEND_CHOICES) {
    const r = await attempt(choice);
    if (r.ok) {
      const info: BackendInfo = {
        ...r.info,
        tfjsVersion: tf.version_core,
        fallbacks: reasons.map((why) => `${why}; using ${SHORT[choice]}.`),
      };
      current = { choice, info };
      return info;
    }
    reasons.push(r.why);
  }
  throw new LabError('unavailable', `No compute backend could start: ${reasons.join('; ')}. Reinstall Robustness Lab.`);
}

/** An attempt judged without loading tfjs, or null where only loading it can tell. */
function predict(choice: BackendChoice): Attempt | null {
  switch (choice) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return nativeMissing(choice);
    case 'wasm': {
      const files = wasmFiles();
      if ('why' in files) return { ok: false, why: files.why };
      return { ok: true, info: { name: 'wasm', package: PACKAGES.wasm, device: wasmDevice(wasmSimd(), configuredThreads()) } };
    }
    case 'cpu':
      return { ok: true, info: { name: 'cpu', package: PACKAGES.cpu, device: 'CPU, plain JavaScript, 1 thread' } };
  }
}

function tfjsVersionOnDisk(): string {
  try {
    return (requireHere()?.('@tensorflow/tfjs-core/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * The backend initEngine would start, worked out without loading tfjs (#12: commands that only
 * read the store stay instant): the native packages are judged by whether they are installed,
 * wasm by its files and the runtime's SIMD support. Null when a native package is installed, since
 * only loading it tells whether libtensorflow works; the caller then starts the engine. Throws the
 * same error initEngine would when a forced backend is not there. Once the engine has started,
 * returns what it started.
 */
export function plannedBackend(opts: { force?: string } = {}): BackendInfo | null {
  if (current) return current.info;
  const force =
    opts.force !== undefined ? parseChoice(opts.force, 'the backend setting') : parseChoice(process.env.ROBUSTLAB_BACKEND, 'ROBUSTLAB_BACKEND');
  const source = opts.force !== undefined ? 'the backend setting' : 'ROBUSTLAB_BACKEND';
  const tfjsVersion = tfjsVersionOnDisk();
  if (force) {
    const r = predict(force);
    if (!r) return null;
    if (!r.ok) throw forcedUnavailable(force, source, r.why);
    return { ...r.info, tfjsVersion, fallbacks: [`The ${force} backend was chosen by ${source}; other backends were not tried.`] };
  }
  const reasons: string[] = [];
  for (const choice of BACKEND_CHOICES) {
    const r = predict(choice);
    if (!r) return null;
    if (r.ok) return { ...r.info, tfjsVersion, fallbacks: reasons.map((why) => `${why}; using ${SHORT[choice]}.`) };
    reasons.push(r.why);
  }
  return null;
}

/**
 * Starts the compute engine on the fastest backend that loads, or on the one forced by
 * `opts.force` or the environment variable ROBUSTLAB_BACKEND (tensorflow-gpu, tensorflow, wasm,
 * cpu or auto). Idempotent: a later call without a different force returns the same info (and
 * puts that backend back in place if someone switched tfjs to another one in between). A later
 * call that forces a different backend switches to it.
 */
export function initEngine(opts: { force?: string } = {}): Promise<BackendInfo> {
  const run = async (): Promise<BackendInfo> => {
    const force =
      opts.force !== undefined
        ? parseChoice(opts.force, 'the backend setting')
        : parseChoice(process.env.ROBUSTLAB_BACKEND, 'ROBUSTLAB_BACKEND');
    const source = opts.force !== undefined ? 'the backend setting' : 'ROBUSTLAB_BACKEND';
    if (current && (force === undefined || force === current.choice)) {
      if (tf.getBackend() !== current.info.name) await tf.setBackend(current.info.name);
      return current.info;
    }
    return start(force, source);
  };
  const p = queue.then(run, run);
  queue = p.catch(() => undefined);
  return p;
}

/** The backend the engine runs on. Throws if initEngine() has not finished yet. */
export function engineInfo(): BackendInfo {
  if (!current) throw new Error('The compute engine is not started: call initEngine() first.');
  return current.info;
}

/** Live tensors and bytes held by tfjs (all backends). */
export function memory(): { numTensors: number; numBytes: number } {
  const m = tf.memory();
  return { numTensors: m.numTensors, numBytes: m.numBytes };
}
