/**
 * Turning call results and thrown errors into the `Envelope` every transport returns.
 * Runs in: Electron main and the web server (plain Node). No lab logic, no electron imports.
 */
import type { Envelope } from '../shared/api';
import { LabError, type LabErrorCode } from '../shared/errors';
import { describeZodIssues, zodIssues } from '../shared/validation';

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
