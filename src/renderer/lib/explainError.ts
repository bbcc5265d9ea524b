/**
 * A lab error in the person's terms: the full paths of files they chose (in web mode, the server's
 * upload folder) become the file names they picked and the field they picked them for, and the
 * technical part (hex bytes, internal paths) moves to a folded "details" text. Which field the
 * error belongs to is the field whose file the message names.
 */

/** The last part of a path (the name the person picked; uploads keep it). */
function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] || path;
}

export interface ChosenFile {
  /** The path the lab got (the server's copy in web mode). */
  path: string;
  /** The form field, e.g. "Training images". */
  label: string;
}

export interface ExplainedError {
  /** One sentence without internals. */
  summary: string;
  /** The original message, when the summary left something out. */
  detail: string | null;
  /** The field the error is about, if the message names one of the chosen files. */
  field: string | null;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function explainError(message: string, files: ChosenFile[] = []): ExplainedError {
  let summary = message;
  let field: string | null = null;
  for (const f of files) {
    if (!f.path) continue;
    const quoted = new RegExp(`(?:[A-Za-z ]*?file )?"${escapeRe(f.path)}"`, 'g');
    if (summary.includes(f.path)) {
      field ??= f.label;
      summary = summary.replace(quoted, `the file you chose as ${f.label.toLowerCase()}, “${baseName(f.path)}”,`).split(f.path).join(`“${baseName(f.path)}”`);
    }
  }
  // Any other absolute path (an upload folder, the lab folder) is an internal detail.
  summary = summary.replace(/"?(?:\/[\w.@+-]+){2,}\/?"?/g, (m) => `“${baseName(m.replace(/"/g, '').replace(/\/$/, ''))}”`);
  // Parentheses with hex bytes or byte counts are for the technically minded.
  summary = summary.replace(/\s*\([^()]*(?:0x[0-9a-f]+|bytes)[^()]*\)/gi, '');
  summary = summary.replace(/,,/g, ',').replace(/\s+,/g, ',').replace(/,\s*(is|has|was|are)\b/g, ' $1').replace(/\s{2,}/g, ' ').trim();
  summary = summary.charAt(0).toUpperCase() + summary.slice(1);
  return { summary, detail: summary !== message ? message : null, field };
}
