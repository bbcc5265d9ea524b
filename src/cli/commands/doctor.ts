/**
 * `robustlab doctor`: the compute backend, the lab folder and what works on this machine.
 * Registered by src/cli/index.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Lab } from '../../core/service';
import { repoRoot, type CliHelpers, type GlobalOpts } from '../helpers';

export function addDoctorCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, withLab, out } = h;
  program
    .command('doctor')
    .description('show the compute backend, the lab folder and what works on this machine')
    .option('--check', "check the lab folder: SQLite's integrity check, rows whose files are missing, files no row needs, leftovers of interrupted work (exit code 1 when something is wrong)")
    .option('--repair', 'check, then remove leftovers and files no row points at (never a file a row needs, never a row)')
    .action(async (o: { check?: boolean; repair?: boolean }) => {
      await withLab(g(), async (lab) => {
        if (o.check || o.repair) return checkLabCommand(lab, !!o.repair, g(), out);
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
          read_only: st.readOnly ?? false,
        };
        out(g(), json, () => {
          console.log(`Robustness Lab ${st.version}`);
          console.log(`Backend:   ${st.backend.name} (${st.backend.package}) — ${st.backend.device}`);
          for (const f of st.backend.fallbacks) console.log(`  note: ${f}`);
          console.log(`tfjs:      ${st.backend.tfjsVersion}`);
          console.log(`Lab:       ${st.labDir} (schema ${json.schema_version}, SQLite ${sqlite})${st.readOnly ? ' — read-only here: browse only' : ''}`);
          console.log(`Node:      ${process.version}`);
          console.log(`Electron:  ${electronPath}`);
        });
      });
    });
}

/** `doctor --check` / `--repair`: the lab folder's health through the facade's checkLab call. */
async function checkLabCommand(lab: Lab, repair: boolean, g: GlobalOpts, out: CliHelpers<GlobalOpts>['out']): Promise<void> {
  const r = await lab.call('checkLab', { repair });
  const dbOk = r.integrity.length === 1 && r.integrity[0] === 'ok';
  // After a repair only what it cannot fix counts: a damaged database and rows whose files are gone.
  const healthy = dbOk && r.missing.length === 0 && (repair || (r.unreferenced.length === 0 && r.leftovers.length === 0));
  out(
    g,
    { ok: r.ok, lab_dir: lab.labDir, integrity: r.integrity, missing: r.missing, unreferenced: r.unreferenced, leftovers: r.leftovers, removed: r.removed },
    () => {
      console.log(`Lab folder ${lab.labDir}`);
      console.log(dbOk ? 'Database: sound (PRAGMA integrity_check: ok).' : `Database: DAMAGED — restore lab.db from a backup. SQLite reports:\n  ${r.integrity.slice(0, 20).join('\n  ')}`);
      console.log(r.missing.length ? `Missing files (${r.missing.length}), needed by:` : 'Every row has its files.');
      for (const m of r.missing.slice(0, 50)) console.log(`  ${m.file}  (${m.owner})`);
      console.log(r.unreferenced.length ? `Files no row points at (${r.unreferenced.length}):` : 'No file without a row.');
      for (const f of r.unreferenced.slice(0, 50)) console.log(`  ${f}`);
      console.log(r.leftovers.length ? `Leftovers of interrupted work (${r.leftovers.length}):` : 'No leftovers of interrupted work.');
      for (const f of r.leftovers.slice(0, 50)) console.log(`  ${f}`);
      if (repair) console.log(r.removed.length ? `Removed ${r.removed.length} file(s) and folder(s) no row needs.` : 'Nothing to remove (recent files are kept: they may belong to work in progress).');
      else if (r.unreferenced.length || r.leftovers.length) console.log('Run "robustlab doctor --repair" to remove them; it never deletes a file a row needs.');
    },
  );
  if (!healthy) process.exitCode = 1;
}
