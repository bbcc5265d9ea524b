/**
 * Web mode's two access rules, written once here and used by the server (and the `web` command
 * for its messages):
 *
 * - Remote access: the server listens on loopback only, unless the person passes --allow-remote.
 *   The chosen design is "refuse, then warn": no TLS (a self-signed certificate teaches people to
 *   click through warnings), so a remote listener sends the token over plain HTTP; the printed
 *   warning recommends an SSH tunnel instead.
 * - Server-side paths: a request field that names a file or folder on the lab's machine
 *   (SERVER_PATH_FIELDS) may point only into the lab folder (uploads live there) or into folders
 *   the person allowed on the command line (--allow-dir). Symbolic links are resolved first.
 *
 * Runs in: plain Node (the web server).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../shared/errors';

/** Request fields that name a path on the lab's machine (imports of datasets, models, archives; exports to a file). */
export const SERVER_PATH_FIELDS: ReadonlySet<string> = new Set(['file', 'path', 'trainImages', 'trainLabels', 'testImages', 'testLabels', 'out']);

/** 127.0.0.0/8, ::1, localhost (and their bracketed or mapped forms). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127(\.\d{1,3}){3}$/.test(v4);
}

/** Refuses a non-loopback listen address unless remote access was allowed explicitly. */
export function checkListenHost(host: string, allowRemote: boolean): void {
  if (!isLoopbackHost(host) && !allowRemote) {
    throw new LabError(
      'bad_input',
      `Web mode listens on this computer only (127.0.0.1); "${host}" would let other machines connect, with the access token sent unencrypted. ` +
        'Use an SSH tunnel (ssh -L PORT:127.0.0.1:PORT this-machine), or add --allow-remote if you accept that risk.',
    );
  }
}

/** The warning the `web` command prints when remote access was allowed. */
export function remoteWarning(host: string): string {
  return (
    `Warning: listening on ${host}, reachable from other machines. Requests and the access token travel unencrypted over HTTP; ` +
    'anyone who can read the network can take over this lab. Prefer an SSH tunnel: ssh -L PORT:127.0.0.1:PORT this-machine.'
  );
}

/** The real path of `p` (symbolic links resolved), as far as it exists; the rest appended. */
function realish(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail.reverse());
    } catch {
      const up = path.dirname(head);
      if (up === head) return abs;
      tail.push(path.basename(head));
      head = up;
    }
  }
}

function inside(child: string, root: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Checks every server-path field of a request (at any depth) against the allowed roots; throws
 * one sentence for the first path outside them.
 */
export function checkServerPaths(input: unknown, roots: readonly string[]): void {
  const real = roots.map(realish);
  const visit = (v: unknown, depth: number): void => {
    if (depth > 8 || v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'string' && SERVER_PATH_FIELDS.has(k)) {
        const p = realish(x);
        if (!real.some((r) => inside(p, r))) {
          throw new LabError(
            'bad_input',
            `In web mode the lab reads and writes files only in its lab folder (uploads included) and in folders allowed with --allow-dir; "${x}" is outside them. Upload the file instead, or start the server with --allow-dir FOLDER.`,
          );
        }
      } else if (typeof x === 'object') visit(x, depth + 1);
    }
  };
  visit(input, 0);
}
