/**
 * Issue #15, point 8: property-based fuzzing (fast-check) of every parser that reads a person's
 * file — IDX (in memory and from disk, plain and gzipped), .npy, safetensors and recipe JSON —
 * with random truncations, bit flips, huge declared shapes and random headers. Every case must
 * end in a typed LabError (never 'internal') or a result that agrees with itself, within a time
 * limit per case, and memory must stay bounded over the whole run.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../../src/shared/errors';
import { parseIdx, readIdxFile } from '../../src/core/data/idx';
import { decodeNpy, encodeNpy, readNpy, type NpyArray } from '../../src/core/data/npy';
import { decodeSafetensors, encodeSafetensors, readSafetensorsFile } from '../../src/core/models/safetensors';
import { parseRecipeText } from '../../src/core/corruptions/recipe-file';
import { resolveRecipe } from '../../src/core/corruptions/recipe';
import { listCorruptions } from '../../src/core/corruptions/registry';
import { ARCHIVE_FORMAT, readArchive } from '../../src/core/history/archive';
import { tmpDir } from '../helpers/tmp';

const { dir, cleanup } = tmpDir('rl-fuzz-');
const CASE_LIMIT_MS = 2000;
const stats: Record<string, { cases: number; errors: number; valid: number; slowestMs: number }> = {};
let peakRss = process.memoryUsage().rss;
const startRss = peakRss;

afterAll(() => {
  cleanup();
  const lines = Object.entries(stats).map(([k, s]) => `${k}: ${s.cases} cases (${s.valid} valid, ${s.errors} refused), slowest ${s.slowestMs.toFixed(1)} ms`);
  console.log(`[fuzz] ${lines.join('; ')}; peak RSS ${Math.round(peakRss / 2 ** 20)} MiB (start ${Math.round(startRss / 2 ** 20)} MiB)`);
});

const product = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** Runs one case: a typed refusal or a checked result, in time; records the outcome. */
async function judge(parser: string, fn: () => unknown, check: (r: never) => void): Promise<void> {
  const s = (stats[parser] ??= { cases: 0, errors: 0, valid: 0, slowestMs: 0 });
  s.cases++;
  const t0 = performance.now();
  let result: unknown;
  let failed: unknown = null;
  try {
    result = await fn();
  } catch (err) {
    failed = err;
  }
  const ms = performance.now() - t0;
  s.slowestMs = Math.max(s.slowestMs, ms);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  expect(ms, `${parser}: one case took ${ms.toFixed(0)} ms`).toBeLessThan(CASE_LIMIT_MS);
  if (failed) {
    if (!(failed instanceof LabError) || failed.code === 'internal') {
      throw new Error(`${parser}: not a typed refusal: ${failed instanceof Error ? `${failed.name}: ${failed.message}` : String(failed)}`);
    }
    expect(failed.message.length).toBeGreaterThan(10);
    s.errors++;
    return;
  }
  check(result as never);
  s.valid++;
}

/** Truncate, flip bits, overwrite bytes, append, or leave alone. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('poke' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.constant({ kind: 'none' as const }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(buf: Uint8Array, m: Mutation): Buffer {
  const b = Buffer.from(buf);
  switch (m.kind) {
    case 'truncate':
      return b.subarray(0, b.length ? m.at % b.length : 0);
    case 'flip':
      for (const [i, bit] of m.flips) if (b.length) b[i % b.length]! ^= 1 << bit;
      return b;
    case 'poke':
      if (b.length) b.set(m.bytes.subarray(0, Math.max(0, b.length - (m.at % b.length))), m.at % b.length);
      return b;
    case 'append':
      return Buffer.concat([b, m.bytes]);
    default:
      return b;
  }
}

function idxBytes(dims: number[], data: Uint8Array): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([h, data]);
}

/** A valid IDX file, or one whose declared dims are huge (up to 2^32 − 1 each). */
const idxFile = fc
  .record({
    dims: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 }),
    huge: fc.option(fc.tuple(fc.nat({ max: 3 }), fc.constantFrom(60000, 2 ** 31, 2 ** 32 - 1)), { nil: undefined }),
    fill: fc.integer({ min: 0, max: 255 }),
  })
  .map(({ dims, huge, fill }) => {
    const data = new Uint8Array(product(dims)).fill(fill);
    const declared = [...dims];
    if (huge) declared[huge[0] % declared.length] = huge[1];
    return idxBytes(declared, data);
  });

const checkIdx = (r: { shape: number[]; data: Uint8Array }) => expect(r.data.length).toBe(product(r.shape));

describe('fuzzing the parsers of files a person brings (issue #15, point 8)', () => {
  it('IDX in memory, plain and gzipped: 1500 cases', async () => {
    await fc.assert(
      fc.asyncProperty(idxFile, mutation, fc.boolean(), fc.boolean(), async (file, m, gzip, mutateAfterGzip) => {
        const bytes = gzip ? (mutateAfterGzip ? mutate(gzipSync(file), m) : gzipSync(mutate(file, m))) : mutate(file, m);
        await judge('idx', () => parseIdx(bytes, 'File "f"'), checkIdx);
      }),
      { numRuns: 1500, seed: 15 },
    );
  });

  it('IDX files on disk (bounded reader, gzip stream): 300 cases', async () => {
    const file = path.join(dir, 'fuzz.idx');
    await fc.assert(
      fc.asyncProperty(idxFile, mutation, fc.boolean(), async (f, m, gzip) => {
        fs.writeFileSync(file, gzip ? mutate(gzipSync(f), m) : mutate(f, m));
        await judge('idx-file', () => readIdxFile(file, 'File "f"'), checkIdx);
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  const npyArray = fc
    .record({
      dtype: fc.constantFrom('uint8', 'int32', 'float32', 'int64', 'float64'),
      shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
    })
    .map(({ dtype, shape }): NpyArray => {
      const n = product(shape);
      const data =
        dtype === 'uint8' ? new Uint8Array(n) : dtype === 'int32' ? new Int32Array(n) : dtype === 'float32' ? new Float32Array(n) : dtype === 'int64' ? new BigInt64Array(n) : new Float64Array(n);
      return { dtype, shape, data } as NpyArray;
    });

  /** A header dictionary with random or huge values, framed as .npy v1. */
  const npyHeader = fc
    .record({
      descr: fc.oneof(fc.constantFrom('<f4', '|u1', '>i4', '<i8', '|b1', '<c16', 'O', '<U10', '<constructor', '|__proto__', '<toString'), fc.string({ maxLength: 6 })),
      fortran: fc.constantFrom('False', 'True', '1', 'None'),
      shape: fc.array(fc.oneof(fc.integer({ min: -2, max: 5 }), fc.constantFrom(99999999999, 2 ** 53, 1e300)), { maxLength: 5 }),
      junk: fc.string({ maxLength: 20 }),
      data: fc.uint8Array({ maxLength: 64 }),
    })
    .map(({ descr, fortran, shape, junk, data }) => {
      const text = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), ${junk}}`;
      const head = Buffer.alloc(10);
      head.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      const body = Buffer.from(`${text}\n`, 'latin1');
      head.writeUInt16LE(body.length, 8);
      return Buffer.concat([head, body, data]);
    });

  it('.npy: 1500 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(npyArray.map((a) => encodeNpy(a)), npyHeader), mutation, async (file, m) => {
        await judge('npy', () => decodeNpy(mutate(file, m), 'File "f"'), (r: NpyArray) => expect(r.data.length).toBe(product(r.shape)));
      }),
      { numRuns: 1500, seed: 17 },
    );
  });

  const tensors = fc.dictionary(
    fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== '__metadata__'),
    fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }).map((shape) => ({ shape, data: new Float32Array(product(shape)) })),
    { maxKeys: 4 },
  );

  /** A header of random entries: dtypes (known and not), shapes (some huge), offsets (some past the end). */
  const stHeader = fc
    .record({
      entries: fc.dictionary(
        fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__metadata__', '__proto__', 'constructor')),
        fc.oneof(
          fc.record({
            dtype: fc.constantFrom('F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'C64', 'X'),
            shape: fc.array(fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constantFrom(2 ** 31, 2 ** 53, 1e300)), { maxLength: 3 }),
            data_offsets: fc.tuple(fc.oneof(fc.nat(64), fc.constantFrom(2 ** 53, -1)), fc.oneof(fc.nat(64), fc.constantFrom(2 ** 40, 2 ** 53))),
          }),
          fc.jsonValue(),
        ),
        { maxKeys: 4 },
      ),
      data: fc.uint8Array({ maxLength: 64 }),
      lengthLie: fc.option(fc.constantFrom(-8, 1, 2 ** 20, 2 ** 40), { nil: undefined }),
    })
    .map(({ entries, data, lengthLie }) => {
      const json = Buffer.from(JSON.stringify(entries), 'utf8');
      const head = Buffer.alloc(8);
      head.writeBigUInt64LE(BigInt(Math.max(0, json.length + (lengthLie ?? 0))));
      return Buffer.concat([head, json, data]);
    });

  it('safetensors: 1500 cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(tensors.map((t) => encodeSafetensors(t)), stHeader), mutation, async (file, m) => {
        await judge(
          'safetensors',
          () => decodeSafetensors(mutate(file, m)),
          (r: ReturnType<typeof decodeSafetensors>) => {
            for (const t of Object.values(r.tensors)) expect(t.data.length).toBe(product(t.shape));
          },
        );
      }),
      { numRuns: 1500, seed: 18 },
    );
  });

  it('.npy and safetensors files on disk (header checked before the data is read): 300 cases each, same verdict as in memory', async () => {
    const npyPath = path.join(dir, 'fuzz.npy');
    const stPath = path.join(dir, 'fuzz.safetensors');
    const verdict = (fn: () => unknown): string => {
      try {
        const r = fn() as NpyArray | ReturnType<typeof decodeSafetensors>;
        return 'shape' in r ? `ok ${r.shape.join('x')}` : `ok ${Object.keys(r.tensors).sort().join(',')}`;
      } catch (err) {
        return err instanceof LabError ? 'refused' : `crash ${String(err)}`;
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.oneof(npyArray.map((a) => encodeNpy(a)), npyHeader), mutation, async (file, m) => {
        const bytes = mutate(file, m);
        fs.writeFileSync(npyPath, bytes);
        await judge('npy-file', () => readNpy(npyPath, 'File "f"'), (r: NpyArray) => expect(r.data.length).toBe(product(r.shape)));
        expect(verdict(() => readNpy(npyPath, 'File "f"'))).toBe(verdict(() => decodeNpy(bytes, 'File "f"')));
      }),
      { numRuns: 300, seed: 21 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(tensors.map((t) => encodeSafetensors(t)), stHeader), mutation, async (file, m) => {
        const bytes = mutate(file, m);
        fs.writeFileSync(stPath, bytes);
        await judge('safetensors-file', () => readSafetensorsFile(stPath, 'File "f"'), (r: Buffer) => expect(r.length).toBe(bytes.length));
        const fromDisk = verdict(() => decodeSafetensors(readSafetensorsFile(stPath, 'File "f"')));
        expect(fromDisk).toBe(verdict(() => decodeSafetensors(bytes)));
      }),
      { numRuns: 300, seed: 22 },
    );
  });

  const names = listCorruptions().map((c) => c.name);
  const step = fc.record(
    {
      corruption: fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 12 })),
      severity: fc.oneof(fc.integer({ min: -1, max: 7 }), fc.double()),
      params: fc.dictionary(fc.constantFrom('rate', 'strength', 'fraction', 'target', 'size', 'pattern', 'classMap', 'matrix', 'x'), fc.jsonValue()),
      splits: fc.array(fc.constantFrom('train', 'test', 'val'), { maxLength: 3 }),
      classMap: fc.array(fc.integer({ min: -3, max: 300 }), { maxLength: 12 }),
      matrix: fc.array(fc.array(fc.double({ min: -1, max: 2, noNaN: true }), { maxLength: 4 }), { maxLength: 4 }),
    },
    { requiredKeys: ['corruption'] },
  );
  const validStep = fc.record({ corruption: fc.constantFrom(...names), severity: fc.integer({ min: 1, max: 5 }) });
  const recipeText = fc.oneof(
    fc.record({ steps: fc.array(validStep, { minLength: 1, maxLength: 3 }), seed: fc.nat() }).map((r) => JSON.stringify(r)),
    fc.record({ steps: fc.array(step, { maxLength: 4 }), seed: fc.oneof(fc.nat(), fc.double(), fc.string()) }, { requiredKeys: ['steps'] }).map((r) => JSON.stringify(r)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 80 }),
  );

  it('recipe JSON (parse, then the corruption rules for grey and colour images): 1000 cases', async () => {
    await fc.assert(
      fc.asyncProperty(recipeText, fc.nat({ max: 200 }), fc.constantFrom(1, 3), async (text, cut, channels) => {
        const t = cut % 5 === 0 ? text.slice(0, cut) : text;
        await judge(
          'recipe',
          () => resolveRecipe(parseRecipeText(t, 'Recipe file "r.json"'), { channels }),
          (steps: ReturnType<typeof resolveRecipe>) => {
            expect(steps.length).toBeGreaterThan(0);
            for (const s of steps) expect(s.severity).toBeGreaterThanOrEqual(0);
          },
        );
      }),
      { numRuns: 1000, seed: 19 },
    );
  });

  /** Run archives (#10): gzip of {format, version, sha256, payload}; payloads random or well-formed, checksums right or wrong. */
  const row = fc.dictionary(fc.constantFrom('id', 'kind', 'name', 'status', 'spec', 'created_at', 'sha256', 'artifact', 'files', 'model_id', 'dataset_id', 'x'), fc.oneof(fc.string({ maxLength: 70 }), fc.integer()));
  const id = fc.string({ minLength: 1, maxLength: 8 });
  const runRow = fc.record({ id, kind: fc.constantFrom('train', 'eval'), name: fc.string(), status: fc.constant('finished'), spec: fc.constant('{}'), created_at: fc.constant('2026-01-01T00:00:00Z') });
  const evalRow = fc.record({ id, model_id: id, dataset_id: id });
  const datasetRow = fc.record({ id, name: fc.string({ minLength: 1 }), files: fc.constant('{}') });
  const payload = fc.oneof(
    { weight: 4, arbitrary: fc.record({
      createdAt: fc.string(),
      runs: fc.array(fc.record({ row: fc.oneof({ arbitrary: runRow, weight: 4 }, row), params: fc.dictionary(fc.string(), fc.string()), metrics: fc.array(fc.tuple(fc.string(), fc.double(), fc.double(), fc.double()), { maxLength: 3 }), tags: fc.array(fc.string()) }), { maxLength: 3 }),
      models: fc.oneof(fc.constant([]), fc.array(fc.record({ row, weights: fc.base64String({ maxLength: 40 }) }), { maxLength: 2 })),
      evaluations: fc.array(fc.oneof({ arbitrary: evalRow, weight: 4 }, row), { maxLength: 2 }),
      datasets: fc.array(fc.record({ row: fc.oneof({ arbitrary: datasetRow, weight: 4 }, row), files: fc.option(fc.dictionary(fc.string(), fc.base64String({ maxLength: 20 })), { nil: null }) }), { maxLength: 2 }),
    }) },
    fc.jsonValue(),
  );
  const archive = fc
    .record({
      payload,
      version: fc.oneof({ arbitrary: fc.constant(1), weight: 5 }, fc.constantFrom(2, -1, 1.5)),
      rightSum: fc.oneof({ arbitrary: fc.constant(true), weight: 5 }, fc.constant(false)),
      format: fc.oneof({ arbitrary: fc.constant(ARCHIVE_FORMAT), weight: 5 }, fc.constant('other')),
    })
    .map(({ payload: p, version, rightSum, format }) => {
      const text = JSON.stringify(p);
      const sha256 = rightSum ? crypto.createHash('sha256').update(text).digest('hex') : '0'.repeat(64);
      return gzipSync(JSON.stringify({ format, version, sha256, payload: text }));
    });

  it('run archives: 800 cases', async () => {
    await fc.assert(
      fc.asyncProperty(archive, mutation, async (file, m) => {
        await judge('archive', () => readArchive(mutate(file, m), '"fuzz.robustlab"'), (r: ReturnType<typeof readArchive>) => {
          expect(Array.isArray(r.payload.runs)).toBe(true);
          expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
        });
      }),
      { numRuns: 800, seed: 20 },
    );
  });

  it('memory stayed bounded over every case', () => {
    expect(peakRss - startRss).toBeLessThan(512 * 2 ** 20);
  });
});
