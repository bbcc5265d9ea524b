/**
 * Errors a person can cause. Every one carries a code (for programs) and one sentence that says
 * what happened and what to do (for people). Anything else that escapes is an internal error.
 */
export type LabErrorCode =
  | 'bad_input' // a value out of range, an unknown name, a malformed request
  | 'not_found' // a dataset, model or run that does not exist
  | 'bad_file' // a file that is broken, truncated or of the wrong kind
  | 'shape_mismatch' // tensors or images whose shapes do not fit together
  | 'conflict' // a name already taken, a run in the wrong state
  | 'cancelled' // the person cancelled the job
  | 'unauthorized' // web mode: a request without the access token
  | 'unavailable' // a backend or binary that cannot be loaded here
  | 'internal'; // a bug: report it

export interface SerializedLabError {
  code: LabErrorCode;
  message: string;
}

export class LabError extends Error {
  readonly code: LabErrorCode;
  constructor(code: LabErrorCode, message: string) {
    super(message);
    this.name = 'LabError';
    this.code = code;
  }

  toJSON(): SerializedLabError {
    return { code: this.code, message: this.message };
  }

  static from(err: unknown): LabError {
    if (err instanceof LabError) return err;
    if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
      const e = err as { code: unknown; message: unknown };
      if (typeof e.code === 'string' && typeof e.message === 'string' && isLabErrorCode(e.code)) {
        return new LabError(e.code, e.message);
      }
    }
    const message = err instanceof Error ? err.message : String(err);
    return new LabError('internal', `Internal error: ${message}`);
  }
}

const CODES: readonly LabErrorCode[] = [
  'bad_input',
  'not_found',
  'bad_file',
  'shape_mismatch',
  'conflict',
  'cancelled',
  'unauthorized',
  'unavailable',
  'internal',
];

export function isLabErrorCode(code: string): code is LabErrorCode {
  return (CODES as readonly string[]).includes(code);
}

/** Shorthand for the most common throw. */
export function badInput(message: string): LabError {
  return new LabError('bad_input', message);
}
