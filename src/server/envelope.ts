/**
 * Turning call results and thrown errors into the `Envelope` every transport returns.
 * Runs in: Electron main and the web server (plain Node). No lab logic, no electron imports.
 */
import type { Envelope } from '../shared/api';
import { LabError, type LabErrorCode } from '../shared/errors';

export type ErrorEnvelope = Extract<Envelope<never>, { ok: false }>;

export function okEnvelope<T>(result: T): Envelope<T> {
  return { ok: true, result };
}

export function errorEnvelope(code: LabErrorCode, message: string): ErrorEnvelope {
  return { ok: false, error: { code, message } };
}

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

/** A ZodError from any copy of zod (duck-typed, so two bundled copies still match). */
function zodIssues(err: unknown): ZodLikeIssue[] | null {
  if (!err || typeof err !== 'object') return null;
  const e = err as { name?: unknown; issues?: unknown };
  if (e.name !== 'ZodError' || !Array.isArray(e.issues)) return null;
  return e.issues.filter(
    (i): i is ZodLikeIssue => !!i && typeof i === 'object' && Array.isArray(i.path) && typeof i.message === 'string',
  );
}

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** One sentence that names the field of the first problem in a ZodError. */
export function describeZodIssues(issues: ZodLikeIssue[]): string {
  const first = issues[0];
  if (!first) return 'The request is not valid.';
  // zod's default messages start with "Invalid input: ..."; the field name says that already.
  const detail = first.message.replace(/^Invalid input:\s*/i, '');
  const path = first.path.map((p) => (typeof p === 'symbol' ? p.toString() : String(p))).join('.');
  if (!path) return sentence(first.message);
  if (/received undefined$/.test(detail)) return `Missing value for "${path}".`;
  return sentence(`Invalid value for "${path}": ${detail}`);
}

/** Classify anything thrown by a call into a LabError (zod errors become bad_input). */
export function toLabError(err: unknown): LabError {
  const issues = zodIssues(err);
  if (issues) return new LabError('bad_input', describeZodIssues(issues));
  return LabError.from(err);
}

/** The error envelope for anything thrown by a call. */
export function toErrorEnvelope(err: unknown): ErrorEnvelope {
  const e = toLabError(err);
  return errorEnvelope(e.code, e.message);
}
