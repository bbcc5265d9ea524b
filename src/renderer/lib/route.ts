/**
 * Hash routing: `#/runs/<id>`, `#/evaluate?model=<id>`. No router dependency, and it works from
 * file:// in Electron.
 */
import { useEffect, useState } from 'react';

export interface Route {
  /** Path segments, e.g. ['runs', 'abc']. Empty for the home page. */
  parts: string[];
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [path = '', search = ''] = raw.split('?', 2);
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => decodeURIComponent(p));
  return { parts, query: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseHash(hash);
}

/** Builds `#/a/b?x=1` from segments and query values (undefined values are left out). */
export function href(parts: string[], query?: Record<string, string | null | undefined>): string {
  const path = '#/' + parts.map((p) => encodeURIComponent(p)).join('/');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export function navigate(parts: string[], query?: Record<string, string | null | undefined>): void {
  window.location.hash = href(parts, query);
}
