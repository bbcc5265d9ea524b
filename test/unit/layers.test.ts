/**
 * The layer rules of docs/ARCHITECTURE.md as an import-graph check: every import of every file
 * under src/ is resolved and compared with what its layer may import. A forbidden import fails
 * with the file, the import and the rule it breaks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const SRC = path.join(ROOT, 'src');

interface Import {
  file: string; // relative to src/
  spec: string; // as written
  target: string | null; // resolved, relative to src/ (null: a package)
  typeOnly: boolean;
}

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : /\.(ts|tsx)$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every static import, re-export and dynamic import of a file. */
export function importsOf(file: string, text: string): Import[] {
  const out: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    const target = spec.startsWith('.') ? path.relative(SRC, path.resolve(path.dirname(file), spec)) : null;
    out.push({ file: path.relative(SRC, file), spec, target, typeOnly });
  };
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^;'"]*?\bfrom\s+'([^']+)'/gm)) add(m[3]!, !!m[2]);
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) add(m[1]!, false);
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) add(m[1]!, false);
  return out;
}

const all: Import[] = files(SRC).flatMap((f) => importsOf(f, fs.readFileSync(f, 'utf8')));
const layerOf = (rel: string) => rel.split(path.sep)[0]!;
const under = (rel: string | null, ...dirs: string[]) => rel !== null && dirs.some((d) => rel === d || rel.startsWith(`${d}${path.sep}`) || rel.startsWith(`${d}/`));

/** The rules: for files under `from`, imports matching `forbid` are refused. */
const RULES: { name: string; from: (i: Import) => boolean; forbid: (i: Import) => boolean }[] = [
  {
    name: 'shared imports only shared (and zod)',
    from: (i) => under(i.file, 'shared'),
    forbid: (i) => (i.target !== null ? !under(i.target, 'shared') : i.spec !== 'zod'),
  },
  {
    name: 'core never imports a host, the renderer, electron, React or the DOM libraries',
    from: (i) => under(i.file, 'core'),
    forbid: (i) => under(i.target, 'main', 'server', 'cli', 'renderer', 'preload') || /^(electron|react|react-dom|@mantine\/)/.test(i.spec),
  },
  {
    name: 'main imports core and shared, never another host or the renderer',
    from: (i) => under(i.file, 'main'),
    forbid: (i) => under(i.target, 'server', 'cli', 'renderer', 'preload'),
  },
  {
    name: 'server imports core and shared, never another host or the renderer',
    from: (i) => under(i.file, 'server'),
    forbid: (i) => under(i.target, 'main', 'cli', 'renderer', 'preload') || i.spec === 'electron',
  },
  {
    name: 'the CLI imports core and shared (and starts the web server), never main or the renderer',
    from: (i) => under(i.file, 'cli'),
    forbid: (i) => under(i.target, 'main', 'renderer', 'preload') || i.spec === 'electron',
  },
  {
    name: 'the renderer imports only itself and shared (it reaches the lab through its client)',
    from: (i) => under(i.file, 'renderer'),
    forbid: (i) => under(i.target, 'core', 'main', 'server', 'cli', 'preload') || i.spec.startsWith('node:') || /^@tensorflow\//.test(i.spec),
  },
  {
    name: 'the preload imports nothing at run time but electron (types from shared only)',
    from: (i) => under(i.file, 'preload'),
    forbid: (i) => (i.typeOnly ? !under(i.target, 'shared') : i.spec !== 'electron'),
  },
  {
    name: 'core/jobs imports no job implementation (kinds register themselves in core/job-kinds.ts)',
    from: (i) => under(i.file, path.join('core', 'jobs')),
    forbid: (i) => i.target !== null && under(i.target, 'core') && !under(i.target, path.join('core', 'jobs'), path.join('core', 'store'), path.join('core', 'engine')),
  },
  {
    name: 'core/engine is the bottom of core',
    from: (i) => under(i.file, path.join('core', 'engine')),
    forbid: (i) => i.target !== null && under(i.target, 'core') && !under(i.target, path.join('core', 'engine')),
  },
];

/**
 * Process and thread entry points are composition roots: they assemble what runs there, so the
 * inner-layer rules (jobs, engine) do not apply to them. The job worker process registers every
 * job kind; the engine's worker thread builds models and named losses from their registries.
 */
const ENTRY_POINTS = new Set([path.join('core', 'jobs', 'worker-entry.ts'), path.join('core', 'engine', 'parallel-worker.ts')]);
const INNER_RULES = new Set([RULES[RULES.length - 2]!.name, RULES[RULES.length - 1]!.name]);

function violations(imports: Import[]): string[] {
  const out: string[] = [];
  for (const i of imports) {
    for (const r of RULES) {
      if (ENTRY_POINTS.has(i.file) && INNER_RULES.has(r.name)) continue;
      if (r.from(i) && r.forbid(i)) out.push(`${i.file} imports '${i.spec}': ${r.name}`);
    }
  }
  return out;
}

describe('layers', () => {
  it('every file keeps to its layer', () => {
    expect(all.length).toBeGreaterThan(500);
    expect(new Set(all.map((i) => layerOf(i.file)))).toEqual(new Set(['cli', 'core', 'main', 'preload', 'renderer', 'server', 'shared']));
    expect(violations(all)).toEqual([]);
  });

  it('the check catches a forbidden import (main importing the server, the renderer importing core)', () => {
    const fake = [
      ...importsOf(path.join(SRC, 'main', 'x.ts'), "import { startServer } from '../server/server';\n"),
      ...importsOf(path.join(SRC, 'renderer', 'x.tsx'), "import type { Lab } from '../core/service';\n"),
      ...importsOf(path.join(SRC, 'core', 'jobs', 'x.ts'), "const m = await import('../training/trainer');\n"),
      ...importsOf(path.join(SRC, 'shared', 'x.ts'), "export { x } from '../core/params';\n"),
    ];
    expect(violations(fake)).toHaveLength(4);
  });

  it('hosts use the facade, never the store or the queue behind it', () => {
    const offenders = files(SRC)
      .filter((f) => under(path.relative(SRC, f), 'main', 'server', 'cli'))
      .filter((f) => /\blab\.(store|queue)\b/.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
