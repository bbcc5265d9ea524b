/**
 * History pages keep their whole state in the route (`#/runs?q=…&sort=…`, `#/compare?runs=…`),
 * so "copy link" and saved views reopen the same page. Helpers to read and patch it.
 */
import { href, navigate, type Route } from '../../lib/route';

export function routeParams(route: Route): Record<string, string> {
  return Object.fromEntries(route.query.entries());
}

/** Replaces some query values of the current page (null/'' removes one). */
export function patchRoute(route: Route, patch: Record<string, string | null | undefined>): void {
  navigate(route.parts, { ...routeParams(route), ...patch });
}

export function routeHref(parts: string[], params: Record<string, string | null | undefined>): string {
  return href(parts, params);
}

/** Columns a person can add besides params.<key> and metrics.<key>. */
export const DEFAULT_RUN_COLUMNS = ['name', 'status', 'kind', 'dataset', 'arch', 'method', 'clean', 'robust', 'certified', 'corruption', 'duration', 'backend', 'created', 'tags'];

/** The metric a key column shows, first key present wins (training runs and evaluations log different names). */
export const METRIC_COLUMNS: Record<string, { title: string; keys: string[] }> = {
  clean: { title: 'Clean acc.', keys: ['test/accuracy', 'clean_accuracy'] },
  robust: { title: 'Robust acc.', keys: ['test/pgd_accuracy', 'robust_accuracy'] },
  certified: { title: 'Certified acc.', keys: ['test/certified_accuracy', 'certified_accuracy'] },
  corruption: { title: 'Mean corruption acc.', keys: ['corruption_accuracy'] },
};

/** The sort key the server understands for a column id. */
export function sortKeyOf(col: string): string {
  if (METRIC_COLUMNS[col]) return `metrics.${METRIC_COLUMNS[col].keys[0]}`;
  if (col === 'arch' || col === 'method') return `params.${col}`;
  if (col === 'dataset') return 'params.dataset';
  return col;
}
