/**
 * One sentence from a zod validation error, the same in every transport (IPC, HTTP, CLI).
 * Duck-typed, so an error from another bundled copy of zod is recognised too.
 */
export interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
}

/** A ZodError from any copy of zod (duck-typed, so two bundled copies still match). */
export function zodIssues(err: unknown): ZodLikeIssue[] | null {
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

