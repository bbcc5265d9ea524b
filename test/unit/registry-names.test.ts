/**
 * One source of truth per concept: every name the UI or the CLI shows or submits (architectures,
 * training methods, attacks, certify methods, corruption families) must come from a registry,
 * and what the registries say about each entry must agree with the code that acts on it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listAttacks } from '../../src/core/attacks/registry';
import { listCorruptions } from '../../src/core/corruptions/registry';
import { ARCHITECTURES, certifiableArchitectures, listArchitectures } from '../../src/core/models/registry';
import { METHODS, listMethods } from '../../src/core/training/methods/registry';
import { buildProgram } from '../../src/cli/index';
import { BACKEND_CHOICES } from '../../src/core/engine/backend';
import { CERTIFY_METHODS, NO_ATTACK } from '../../src/shared/constants';
import { CORRUPTION_FAMILIES, CORRUPTION_SUITES } from '../../src/shared/corruption-families';
import { METHOD_FAMILIES, epochSelection, monitorCertify, monitorMeasures } from '../../src/shared/methods';

const ROOT = path.resolve(__dirname, '../..');
const archNames = new Set(listArchitectures().map((a) => a.name));
const methodNames = new Set(listMethods().map((m) => m.name));
const attackNames = new Set(listAttacks().map((a) => a.name));
const certifyNames = new Set<string>(CERTIFY_METHODS);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|tsx)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Every match of `re` (group 1) in the renderer and CLI sources, with the file it is in. */
function namesInSources(re: RegExp): { name: string; file: string }[] {
  const found: { name: string; file: string }[] = [];
  for (const file of [...sourceFiles(path.join(ROOT, 'src/renderer')), ...sourceFiles(path.join(ROOT, 'src/cli'))]) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(re)) found.push({ name: m[1]!, file: path.relative(ROOT, file) });
  }
  return found;
}

/** The help of an option of a command ("models import" for a subcommand). */
function helpOf(command: string, flag: string): string {
  let cmd = buildProgram() as ReturnType<typeof buildProgram>;
  for (const part of command.split(' ')) cmd = cmd.commands.find((c) => c.name() === part)!;
  const opt = cmd.options.find((o) => o.long === flag)!;
  return opt.description;
}

/** "a, b, c or d" (after an optional "label: ") into names. */
function listed(text: string): string[] {
  const body = text.includes(': ') ? text.slice(text.indexOf(': ') + 2) : text;
  return body
    .replace(/\s*\(.*\)\s*$/, '')
    .split(/,\s*|\s+or\s+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

describe('registries are the only lists', () => {
  it('the CLI help lists exactly the registry names', () => {
    expect(listed(helpOf('train', '--method'))).toEqual([...methodNames]);
    expect(listed(helpOf('train', '--arch'))).toEqual([...archNames]);
    expect(listed(helpOf('models import', '--arch'))).toEqual([...archNames]);
    expect(new Set(listed(helpOf('eval', '--attack')))).toEqual(attackNames);
    expect(listed(helpOf('eval', '--certify'))).toEqual([...certifyNames]);
    expect(listed(helpOf('train', '--monitor-certify'))).toEqual(['none', ...certifyNames]);
    expect(listed(buildProgram().options.find((o) => o.long === '--backend')!.description)).toEqual([...BACKEND_CHOICES]);
  });

  it('every architecture, method and attack named in the UI or CLI source is in its registry', () => {
    const checks: [RegExp, Set<string>, string][] = [
      [/\barch: '([a-z][a-z0-9-]*)'/g, archNames, 'architecture'],
      [/\bmethod: '([a-z][a-z0-9-]*)'/g, methodNames, 'training method'],
      [/attack: \{ name: '([^']+)'/g, attackNames, 'attack'],
      [/entryOf\('([^']+)'\)/g, attackNames, 'attack'],
      [/\bcertify: '([^']+)'/g, certifyNames, 'certify method'],
    ];
    const unknown: string[] = [];
    let seen = 0;
    for (const [re, names, what] of checks) {
      for (const { name, file } of namesInSources(re)) {
        seen++;
        if (!names.has(name)) unknown.push(`${file}: ${what} "${name}"`);
      }
    }
    for (const { name, file } of namesInSources(/\bneeds: \[([^\]]*)\]/g)) {
      for (const n of name.match(/'([^']+)'/g) ?? []) {
        seen++;
        if (!attackNames.has(n.slice(1, -1))) unknown.push(`${file}: attack ${n} in a preset's needs`);
      }
    }
    expect(unknown).toEqual([]);
    // The scan must actually find the presets' names (so it cannot pass by matching nothing).
    expect(seen).toBeGreaterThan(10);
  });

  it('the renderer keeps no copy of the method table, the certifiable list or the `none` attack', () => {
    const offenders = [...sourceFiles(path.join(ROOT, 'src/renderer')), ...sourceFiles(path.join(ROOT, 'src/cli'))].filter((f) =>
      /\bCERTIFIABLE\b|\bNONE_ENTRY\b|const META\b|'pgd-at': ADV|crown-ibp, cc-ibp/.test(fs.readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  it('the attack registry lists `none` (clean accuracy) and the certify constants match the spec schema', async () => {
    expect(attackNames.has(NO_ATTACK)).toBe(true);
    const { EvalSpecSchema } = await import('../../src/shared/schemas');
    for (const c of CERTIFY_METHODS) expect(EvalSpecSchema.safeParse({ kind: 'eval', model: 'm', dataset: 'd', certify: c, eps: 0.1 }).success).toBe(true);
    expect(EvalSpecSchema.safeParse({ kind: 'eval', model: 'm', dataset: 'd', certify: 'lp', eps: 0.1 }).success).toBe(false);
  });
});

describe('what the registries say agrees with the code', () => {
  it('certifiable architectures are exactly those with a layer list; cnn-bn is one', () => {
    for (const a of listArchitectures()) expect(a.certifiable, a.name).toBe(typeof ARCHITECTURES[a.name]?.layers === 'function');
    expect(certifiableArchitectures()).toContain('cnn-bn');
    expect(certifiableArchitectures()).not.toContain('resnet');
  });

  it('method entries name a known family; the certified monitor goes with certified training (layer lists)', () => {
    const families = new Set(METHOD_FAMILIES.map((f) => f.id));
    for (const m of listMethods()) {
      expect(families.has(m.family), m.name).toBe(true);
      expect(m.tradeoff.clean && m.tradeoff.robust && m.tradeoff.time, m.name).toBeTruthy();
      expect(m.monitor === 'certified', m.name).toBe(!!METHODS[m.name]!.needsLayers);
      expect(m.family === 'certified', m.name).toBe(m.monitor === 'certified');
    }
  });

  it('corruption entries carry their family and suite titles, and the two structured inputs', () => {
    const fam = new Map<string, string>(CORRUPTION_FAMILIES.map((f) => [f.id, f.title]));
    const suites = new Map<string, string>(CORRUPTION_SUITES.map((s) => [s.id, s.title]));
    const list = listCorruptions();
    for (const c of list) {
      expect(c.familyTitle, c.name).toBe(fam.get(c.family));
      expect(c.suiteTitle, c.name).toBe(suites.get(c.suite));
    }
    expect(Object.fromEntries(list.filter((c) => c.needs).map((c) => [c.name, c.needs]))).toEqual({ 'labels/pair_flip': 'classMap', 'labels/transition': 'matrix' });
  });

  it('the shared monitor rules: certified methods default to IBP; selections need what they watch', () => {
    const ibp = listMethods().find((m) => m.name === 'ibp')!;
    const erm = listMethods().find((m) => m.name === 'erm')!;
    expect(monitorCertify({}, ibp)).toBe('ibp');
    expect(monitorCertify({}, erm)).toBe('none');
    expect(monitorCertify({ certify: 'crown' }, erm)).toBe('crown');
    expect(monitorMeasures({ pgdSteps: 0 }, ibp)).toEqual({ robust: false, certified: true });
    expect(monitorMeasures(undefined, ibp)).toEqual({ robust: false, certified: false });
    expect(epochSelection('robust', 'last', { robust: true, certified: false })).toEqual({ selection: 'robust', problem: null });
    expect(epochSelection(undefined, 'certified', { robust: true, certified: false }).problem).toMatch(/needs the per-epoch robust monitor/);
    expect(epochSelection('loss', 'clean', { robust: true, certified: true }).problem).toMatch(/same metric/);
    expect(epochSelection(undefined, 'last', { robust: false, certified: false })).toEqual({ selection: null, problem: null });
  });
});
