/**
 * `robustlab doctor`: the compute backend, the lab folder and what works on this machine.
 * Registered by src/cli/index.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { repoRoot, type CliHelpers, type GlobalOpts } from '../helpers';

export function addDoctorCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out } = h;
  program
    .command('doctor')
    .description('show the compute backend, the lab folder and what works on this machine')
    .action(async () => {
      await withLab(g(), async (lab) => {
        const d = await lab.call('doctor', {});
        const st = d.status;
        const sqlite = d.sqliteVersion;
        const electronPath = (() => {
          try {
            const p = path.join(repoRoot, 'node_modules', 'electron', 'path.txt');
            const rel = fs.existsSync(p) ? fs.readFileSync(p, 'utf8').trim() : '';
            return rel && fs.existsSync(path.join(repoRoot, 'node_modules', 'electron', 'dist', rel)) ? 'installed' : 'not downloaded';
          } catch {
            return 'not downloaded';
          }
        })();
        const json = {
          version: st.version,
          backend: st.backend.name,
          backend_package: st.backend.package,
          device: st.backend.device,
          tfjs_version: st.backend.tfjsVersion,
          fallbacks: st.backend.fallbacks,
          lab_dir: st.labDir,
          node_version: process.version,
          sqlite_version: sqlite,
          schema_version: d.schemaVersion,
          electron_binary: electronPath,
        };
        out(g(), json, () => {
          console.log(`Robustness Lab ${st.version}`);
          console.log(`Backend:   ${st.backend.name} (${st.backend.package}) — ${st.backend.device}`);
          for (const f of st.backend.fallbacks) console.log(`  note: ${f}`);
          console.log(`tfjs:      ${st.backend.tfjsVersion}`);
          console.log(`Lab:       ${st.labDir} (schema ${json.schema_version}, SQLite ${sqlite})`);
          console.log(`Node:      ${process.version}`);
          console.log(`Electron:  ${electronPath}`);
        });
      });
    });
}
