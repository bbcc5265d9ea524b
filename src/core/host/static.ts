/**
 * Serving the built renderer: safe path resolution, content types and security headers.
 * Runs in: the web server and Electron main (its app:// protocol). Plain Node, no lab logic;
 * it lives here, below both hosts, so neither host imports the other.
 */
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Map a URL pathname (still percent-encoded, as in `new URL(...).pathname`) to a file under
 * `root`. Returns null for anything that could leave `root`: `..` or `.` segments (encoded or
 * not), encoded slashes or backslashes, NUL bytes, malformed escapes. `/` maps to index.html.
 */
export function resolveStaticPath(root: string, pathname: string): string | null {
  if (!pathname.startsWith('/')) return null;
  const segments: string[] = [];
  for (const raw of pathname.split('/')) {
    if (raw === '') continue;
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (seg === '.' || seg === '..' || /[/\\\0]/.test(seg) || /^[a-zA-Z]:/.test(seg)) return null;
    segments.push(seg);
  }
  if (segments.length === 0 || pathname.endsWith('/')) segments.push('index.html');
  const base = path.resolve(root);
  const full = path.resolve(base, ...segments);
  const rel = path.relative(base, full);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return null;
  return full;
}

export interface CspOptions {
  /** Extra connect-src sources, e.g. `ws://127.0.0.1:5123` for the web mode event socket. */
  connect?: string[];
  /** Extra script-src sources (dev server only: Vite's react-refresh preamble is inline). */
  script?: string[];
}

/** The renderer's Content-Security-Policy. */
export function contentSecurityPolicy(opts: CspOptions = {}): string {
  return [
    "default-src 'self'",
    ["script-src 'self'", ...(opts.script ?? [])].join(' '),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    ["connect-src 'self'", ...(opts.connect ?? [])].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join('; ');
}
