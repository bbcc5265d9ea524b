/**
 * `robustlab web`: serve the lab UI and API on loopback with an access token.
 * Registered by src/cli/index.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { LabError } from '../../shared/errors';
import { Lab, resolveLabDir } from '../../core/service';
import { repoRoot, type CliHelpers, type GlobalOpts } from '../helpers';

export function addWebCommands(program: Command, h: CliHelpers<GlobalOpts>): void {
  const { g, out, num } = h;
  program
    .command('web')
    .description('serve the lab UI and API on 127.0.0.1 with an access token')
    .option('--port <n>', 'port (0 = any free port)', num('port', true), 0)
    .option('--host <host>', 'address to listen on (another than 127.0.0.1 needs --allow-remote)', '127.0.0.1')
    .option('--allow-remote', 'listen on a non-loopback address; the token then travels unencrypted (an SSH tunnel is safer)')
    .option('--allow-dir <folder>', 'a folder whose files requests may name (import from / export to), besides the lab folder; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .action(async (o) => {
      const { startServer } = await import('../../server/server');
      const { checkListenHost, remoteWarning } = await import('../../server/access');
      // Refused before anything else (the person's mistake comes first): the rule lives in src/server/access.ts.
      checkListenHost(o.host, !!o.allowRemote);
      const staticDir = path.join(repoRoot, 'out', 'renderer');
      if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
        throw new LabError('not_found', `The UI is not built (${staticDir} has no index.html); run \`npm run build\` first.`);
      }
      const allowedDirs = (o.allowDir as string[]).map((d) => {
        const abs = path.resolve(d);
        let isDir = false;
        try {
          isDir = fs.statSync(abs).isDirectory();
        } catch {
          // missing, or a path under a file
        }
        if (!isDir) {
          throw new LabError('bad_input', `--allow-dir "${d}" is not a folder; give an existing folder.`);
        }
        return abs;
      });
      const lab = await Lab.open({ labDir: resolveLabDir({ lab: g().lab }), mode: 'web', backend: g().backend });
      const server = await startServer({ lab, staticDir, host: o.host, port: o.port, allowRemote: !!o.allowRemote, allowedDirs });
      if (o.allowRemote) process.stderr.write(`${remoteWarning(o.host)}\n`);
      out(g(), { url: server.url, port: server.port, token: server.token, lab_dir: lab.labDir }, () => {
        console.log(`Robustness Lab is running in web mode. Open this address (it contains the access token):`);
        console.log(`  ${server.url}`);
        console.log(`Lab folder: ${lab.labDir}. Press Ctrl-C to stop.`);
      });
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
      await lab.close();
    });
}
