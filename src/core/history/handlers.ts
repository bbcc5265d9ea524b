/**
 * The facade's history calls (see the table in src/shared/api.ts): each delegates to the history
 * store, the comparison builder, the reports, the archives or the lineage in this folder.
 */
import type { ApiMethod, ApiOutputs, ApiParsed } from '../../shared/api';
import type { LabStore } from '../store/store';
import { HistoryStore } from '../store/history-store';
import { parseQuery } from './query';
import { buildComparison } from './compare';
import { comparisonToCsv, comparisonToHtml } from './report';
import { exportRuns, importRunsFrom } from './archive';
import { buildLineage } from './lineage';

type HistoryMethod =
  | 'queryRuns'
  | 'checkQuery'
  | 'groupRuns'
  | 'setRunFlags'
  | 'deleteRuns'
  | 'restoreRuns'
  | 'compareRuns'
  | 'exportComparison'
  | 'exportRuns'
  | 'importRuns'
  | 'listViews'
  | 'saveView'
  | 'deleteView'
  | 'runLineage';

export type HistoryHandlers = { [M in HistoryMethod & ApiMethod]: (input: ApiParsed<M>) => ApiOutputs[M] };

/** How long a deleted run can be restored before the lab removes it for good (at its next start). */
export const UNDO_DELETE_MS = 60 * 60 * 1000;

/** `lab` gives the store lazily: the facade builds its handler table before its constructor body runs. */
export function historyHandlers(lab: () => { store: LabStore }): HistoryHandlers {
  let cached: { store: LabStore; h: HistoryStore } | null = null;
  const hist = () => {
    const store = lab().store;
    if (!cached || cached.store !== store) cached = { store, h: new HistoryStore(store) };
    return cached.h;
  };
  const store = () => lab().store;
  return {
    queryRuns: (req) => hist().queryRuns(req),
    checkQuery: ({ query }) => {
      const r = parseQuery(query);
      return r.ok ? { ok: true, position: null, message: null } : { ok: false, position: r.error.position, message: r.error.message };
    },
    groupRuns: (req) => hist().groupRuns(req),
    setRunFlags: (req) => {
      hist().setFlags(req);
      return { runIds: req.runIds };
    },
    deleteRuns: (req) => hist().deleteRuns(req.runIds, req.purge),
    restoreRuns: ({ runIds }) => {
      hist().restore(runIds);
      return { runIds };
    },
    compareRuns: (req) => buildComparison(store(), req),
    exportComparison: (req) => {
      const c = buildComparison(store(), req);
      const stamp = new Date().toISOString().slice(0, 10);
      if (req.format === 'csv') return { filename: `comparison-${stamp}.csv`, content: comparisonToCsv(c), mimeType: 'text/csv' };
      return { filename: `comparison-${stamp}.html`, content: comparisonToHtml(c, { generatedAt: new Date().toISOString() }), mimeType: 'text/html' };
    },
    exportRuns: (req) => exportRuns(store(), req),
    importRuns: (req) => importRunsFrom(store(), req),
    listViews: () => hist().listViews(),
    saveView: (req) => hist().saveView(req),
    deleteView: ({ name }) => {
      hist().deleteView(name);
      return { name };
    },
    runLineage: ({ runId }) => buildLineage(store(), runId),
  };
}

/** At lab start: remove runs deleted longer ago than the undo window. */
export function purgeOldDeletedRuns(store: LabStore): string[] {
  return new HistoryStore(store).purge(undefined, UNDO_DELETE_MS);
}
