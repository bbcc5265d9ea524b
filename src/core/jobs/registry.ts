/**
 * The job-kind registry. Job kinds register themselves (see `src/core/job-kinds.ts`, which imports
 * every one); the queue, the runner and the facade look kinds up here and never import them.
 */
import { LabError } from '../../shared/errors';
import type { JobSpec } from '../../shared/schemas';
import type { JobKind } from './kind';

const KINDS = new Map<string, JobKind>();

export function registerJobKind<S extends JobSpec>(kind: JobKind<S>): JobKind<S> {
  if (KINDS.has(kind.kind)) throw new Error(`Job kind "${kind.kind}" is registered twice.`);
  KINDS.set(kind.kind, kind as unknown as JobKind);
  return kind;
}

export function getJobKind(kind: string): JobKind {
  const k = KINDS.get(kind);
  if (!k) throw new LabError('not_found', `Unknown job kind "${kind}"; known: ${[...KINDS.keys()].join(', ')}.`);
  return k;
}

export function listJobKinds(): string[] {
  return [...KINDS.keys()];
}
