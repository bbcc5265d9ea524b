/**
 * Turning call results and thrown errors into the `Envelope` every transport returns.
 * Runs in: Electron main and the web server; the one envelope module every transport uses.
 * Shared code: no lab logic, no Node or electron imports.
 */
import type { Envelope } from './api';
import { LabError, type LabErrorCode } from './errors';
import { describeZodIssues, zodIssues } from './validation';

export { describeZodIssues };

export type ErrorEnvelope = Extract<Envelope<never>, { ok: false }>;

export function okEnvelope<T>(result: T): Envelope<T> {
  return { ok: true, result };
}

export function errorEnvelope(code: LabErrorCode, message: string): ErrorEnvelope {
  return { ok: false, error: { code, message } };
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
