/**
 * Layer-list architectures stored in the lab (table `architectures`, migration 4), resolved by
 * name through the one architecture registry (./registry getArchitecture / listArchitectures).
 *
 * Whoever opens a lab store attaches it here (the Lab facade and each job worker), so a stored
 * architecture is found by name in training, attacks, certification, benchmarks and patching.
 * The engine's worker threads have no store: they build the architecture from the layer list
 * that travels with each command (useLayerList).
 *
 * Runs in: Node (core) and the engine's worker threads.
 */
import { LabError } from '../../shared/errors';
import { LayerListSpecSchema, type LayerListSpec } from '../../shared/byo';
import type { Architecture } from './architecture';
import { layerListArchitecture } from './layer-list';

export interface StoredArchitectureRow {
  name: string;
  spec: LayerListSpec;
  createdAt: string;
}

interface Source {
  /** False once its store is closed (it is then forgotten). */
  open(): boolean;
  get(name: string): StoredArchitectureRow | null;
  list(): StoredArchitectureRow[];
}

/** Every open store of this process, latest first (tests and in-process jobs open several). */
let sources: Source[] = [];

function openSources(): Source[] {
  sources = sources.filter((s) => s.open());
  return sources;
}
/** Built architectures by name and spec text (a name is never reused with another spec while the lab is open). */
const cache = new Map<string, { key: string; arch: Architecture }>();

function build(spec: LayerListSpec): Architecture {
  const key = JSON.stringify(spec);
  const hit = cache.get(spec.name);
  if (hit && hit.key === key) return hit.arch;
  const arch = layerListArchitecture(spec);
  cache.set(spec.name, { key, arch });
  return arch;
}

/** Adds a place stored architectures are read from (a store of this process); the latest is asked first. */
export function addStoredArchitectureSource(s: Source): void {
  sources = [s, ...openSources()];
}

/** The stored architecture of this name, if any. */
export function storedArchitecture(name: string): Architecture | undefined {
  for (const s of openSources()) {
    const row = s.get(name);
    if (row) return build(row.spec);
  }
  // Worker threads have no store: only there does a layer list they were sent stand for the name.
  // Where a store is open it decides, so a renamed or deleted architecture is gone at once.
  return openSources().length === 0 ? cache.get(name)?.arch : undefined;
}

/** Forgets the built architecture of a name (after a rename or delete in the store). */
export function forgetStoredArchitecture(name: string): void {
  cache.delete(name);
}

/** The stored architectures of the latest open store. */
export function storedArchitectureRows(): StoredArchitectureRow[] {
  return openSources()[0]?.list() ?? [];
}

/** Worker threads: make the architecture of a layer list known by its name. */
export function useLayerList(raw: unknown): Architecture {
  const r = LayerListSpecSchema.safeParse(raw);
  if (!r.success) throw new LabError('internal', 'Internal error: a worker thread got an invalid layer list.');
  return build(r.data);
}
