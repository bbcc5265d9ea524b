/**
 * Reads one file with one of the lab's importers in a fresh process and prints one JSON line:
 * { ok, code, message, maxRssMiB, baseRssMiB } — how much memory the process reached while the
 * file was read (or refused). Used by test/unit/hardening-files.test.ts; run with
 * `node --import tsx test/helpers/read-refused.ts idx|npy|safetensors FILE`.
 */
import { readIdxFile } from '../../src/core/data/idx';
import { readNpy } from '../../src/core/data/npy';
import { readSafetensorsFile } from '../../src/core/models/safetensors';

const [format, file] = process.argv.slice(2) as [string, string];
const base = process.resourceUsage().maxRSS / 1024;
let result: { ok: boolean; code?: string; message?: string };
try {
  if (format === 'idx') await readIdxFile(file, 'The file');
  else if (format === 'npy') readNpy(file, 'The file');
  else if (format === 'safetensors') readSafetensorsFile(file, 'The file');
  else throw new Error(`unknown format ${format}`);
  result = { ok: true };
} catch (err) {
  const e = err as { code?: string; message?: string };
  result = { ok: false, code: e.code, message: e.message };
}
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ ...result, maxRssMiB: Math.round(maxRssMiB), baseRssMiB: Math.round(base) })}\n`);
