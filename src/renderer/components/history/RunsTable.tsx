/**
 * The runs table over the whole history: rows come from the lab in pages of 200 as they scroll
 * into view (@tanstack/react-virtual renders only the visible ones), columns and header sorting
 * from @tanstack/react-table; the sort itself runs in the lab (the whole history, not one page).
 */
import { Loader, Text, UnstyledButton } from '@mantine/core';
import { createColumnHelper, flexRender, getCoreRowModel, useReactTable, type ColumnDef, type Row as TableRow } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { lab } from '../../api/client';
import type { RunSummary } from '../../../shared/history';
import { formatDate, formatDuration, formatNumber, formatPercent } from '../../lib/format';
import { href } from '../../lib/route';
import { StatusBadge } from '../StatusBadge';
import { METRIC_COLUMNS, sortKeyOf } from './routeState';

const PAGE = 200;
const ROW_H = 36;

type Row = RunSummary | null;
const col = createColumnHelper<Row>();

function metricOf(r: RunSummary, keys: string[]): number | undefined {
  for (const k of keys) if (r.metrics[k] !== undefined) return r.metrics[k];
  return undefined;
}

function headerTitle(id: string): string {
  if (METRIC_COLUMNS[id]) return METRIC_COLUMNS[id].title;
  if (id.startsWith('metrics.')) return id.slice(8);
  if (id.startsWith('params.')) return id.slice(7);
  return id.charAt(0).toUpperCase() + id.slice(1);
}

function widthOf(id: string): number {
  if (id === 'name') return 220;
  if (id === 'tags') return 160;
  if (id === 'created') return 150;
  if (id === 'dataset') return 120;
  if (id === 'status' || id === 'kind') return 100;
  if (id === 'duration') return 80;
  return 100;
}

export interface RunsTableProps {
  query: string;
  sort: string;
  includeArchived: boolean;
  columns: string[];
  selected: Set<string>;
  onToggle: (id: string, on: boolean) => void;
  onSort: (sort: string) => void;
  onStar: (run: RunSummary) => void;
  onTotal?: (total: number, firstPageMs: number) => void;
  onError?: (message: string | null) => void;
  /** Bump to refetch (after tag/star/delete, or a run event). */
  reloadKey: number;
}

export function RunsTable(props: RunsTableProps) {
  const { query, sort, includeArchived, columns, selected } = props;
  const [total, setTotal] = useState<number | null>(null);
  const [rows, setRows] = useState<Map<number, RunSummary>>(new Map());
  const loadingPages = useRef(new Set<number>());
  const generation = useRef(0);
  const scrollRef = useRef<HTMLDivElement>(null);
  const cb = useRef(props);
  cb.current = props;

  // A new query, sort or reload: start over from the first page.
  useEffect(() => {
    const gen = ++generation.current;
    loadingPages.current = new Set([0]);
    const t0 = performance.now();
    lab.queryRuns({ query, sort, includeArchived, limit: PAGE, offset: 0 }).then(
      (res) => {
        if (gen !== generation.current) return;
        const m = new Map<number, RunSummary>();
        res.runs.forEach((r, i) => m.set(i, r));
        setRows(m);
        setTotal(res.total);
        loadingPages.current = new Set();
        cb.current.onTotal?.(res.total, performance.now() - t0);
        cb.current.onError?.(null);
      },
      (err) => {
        if (gen !== generation.current) return;
        setRows(new Map());
        setTotal(0);
        cb.current.onError?.((err as Error).message);
      },
    );
  }, [query, sort, includeArchived, props.reloadKey]);

  const virtualizer = useVirtualizer({
    count: total ?? 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_H,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();

  // Fetch the pages the visible rows fall in.
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (total === null) return;
    const gen = generation.current;
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) {
      if (rows.has(p * PAGE) || loadingPages.current.has(p)) continue;
      loadingPages.current.add(p);
      lab.queryRuns({ query, sort, includeArchived, limit: PAGE, offset: p * PAGE }).then((res) => {
        if (gen !== generation.current) return;
        setRows((old) => {
          const m = new Map(old);
          res.runs.forEach((r, i) => m.set(p * PAGE + i, r));
          return m;
        });
        loadingPages.current.delete(p);
      });
    }
  }, [first, last, total, rows, query, sort, includeArchived]);

  const sortCol = sort.replace(/^-/, '').replace(/:(asc|desc)$/i, '');
  const desc = sort.startsWith('-') || /:desc$/i.test(sort);

  const defs = useMemo<ColumnDef<Row, unknown>[]>(() => {
    const cell = (id: string) => (r: RunSummary) => {
      if (METRIC_COLUMNS[id]) {
        const v = metricOf(r, METRIC_COLUMNS[id].keys);
        return v === undefined ? <Text span c="dimmed">—</Text> : formatPercent(v);
      }
      switch (id) {
        case 'name':
          return (
            <a href={href(['runs', r.id])} title={r.name} style={{ fontWeight: 600, color: 'var(--mantine-color-anchor)' }}>
              {r.name}
            </a>
          );
        case 'status':
          return <StatusBadge status={r.status as never} />;
        case 'kind':
          return r.kind === 'train' ? 'training' : r.kind === 'corrupt' ? 'corruption' : 'evaluation';
        case 'dataset':
          return r.datasetName ?? r.params.dataset ?? '—';
        case 'arch':
          return r.params.arch ?? '—';
        case 'method':
          return r.params.method ?? (r.kind === 'eval' ? r.params['attack.name'] ?? '—' : '—');
        case 'duration':
          return r.durationS === null ? '—' : formatDuration(r.durationS);
        case 'backend':
          return r.backend ?? '—';
        case 'created':
          return formatDate(r.createdAt);
        case 'tags':
          // Plain spans, not Mantine badges: these cells are re-created on every scrolled frame.
          return r.tags.map((t) => (
            <span key={t} style={{ fontSize: 11, padding: '1px 6px', marginRight: 4, borderRadius: 8, background: 'var(--mantine-color-blue-light)', color: 'var(--mantine-color-blue-light-color)' }}>
              {t}
            </span>
          ));
      }
      if (id.startsWith('metrics.')) {
        const v = r.metrics[id.slice(8)];
        return v === undefined ? '—' : formatNumber(v);
      }
      const key = id.startsWith('params.') ? id.slice(7) : id;
      return r.params[key] ?? '—';
    };
    const base: ColumnDef<Row, unknown>[] = [
      col.display({
        id: 'select',
        size: 36,
        header: () => null,
        cell: (c) => {
          const r = c.row.original;
          if (!r) return null;
          return (
            <input
              type="checkbox"
              aria-label={`Select ${r.name}`}
              checked={cb.current.selected.has(r.id)}
              onChange={(e) => cb.current.onToggle(r.id, e.currentTarget.checked)}
              data-testid={`select-${r.id}`}
            />
          );
        },
      }) as ColumnDef<Row, unknown>,
      col.display({
        id: 'star',
        size: 30,
        header: () => <span aria-label="Starred">★</span>,
        cell: (c) => {
          const r = c.row.original;
          if (!r) return null;
          return (
            <UnstyledButton aria-label={r.starred ? `Unstar ${r.name}` : `Star ${r.name}`} onClick={() => cb.current.onStar(r)} style={{ color: r.starred ? '#f08c00' : '#adb5bd' }}>
              {r.starred ? '★' : '☆'}
            </UnstyledButton>
          );
        },
      }) as ColumnDef<Row, unknown>,
    ];
    return [
      ...base,
      ...columns.map(
        (id) =>
          col.display({
            id,
            size: widthOf(id),
            header: () => headerTitle(id),
            cell: (c) => (c.row.original ? cell(id)(c.row.original) : <Text span c="dimmed" size="xs">…</Text>),
          }) as ColumnDef<Row, unknown>,
      ),
    ];
  }, [columns]);

  const data = useMemo<Row[]>(() => Array.from({ length: total ?? 0 }, (_, i) => rows.get(i) ?? null), [rows, total]);
  const table = useReactTable({ data, columns: defs, getCoreRowModel: getCoreRowModel(), manualSorting: true, getRowId: (r, i) => r?.id ?? `row-${i}` });
  const tableRows = table.getRowModel().rows;
  const gridCols = table.getAllLeafColumns().map((c) => `${c.getSize()}px`).join(' ');
  const width = table.getAllLeafColumns().reduce((a, c) => a + c.getSize(), 0);

  if (total === null) return <Loader size="sm" m="md" aria-label="Loading runs" />;

  return (
    <div role="table" aria-label="Runs" aria-rowcount={total} data-testid="runs-table" style={{ fontSize: 13 }}>
      <div ref={scrollRef} data-testid="runs-scroll" style={{ height: 560, overflow: 'auto', position: 'relative' }}>
        <div role="rowgroup" style={{ position: 'sticky', top: 0, zIndex: 2, background: 'var(--mantine-color-body)', width }}>
          {table.getHeaderGroups().map((hg) => (
            <div role="row" key={hg.id} style={{ display: 'grid', gridTemplateColumns: gridCols, borderBottom: '1px solid var(--mantine-color-default-border)' }}>
              {hg.headers.map((h) => {
                const id = h.column.id;
                const sortable = id !== 'select' && id !== 'star' && id !== 'tags';
                const active = sortable && sortKeyOf(id) === sortCol;
                return (
                  <div role="columnheader" key={h.id} aria-sort={active ? (desc ? 'descending' : 'ascending') : undefined} style={{ padding: '6px 6px', fontWeight: 600, whiteSpace: 'nowrap', overflow: 'hidden' }}>
                    {sortable ? (
                      <UnstyledButton
                        onClick={() => props.onSort(active && !desc ? `-${sortKeyOf(id)}` : active ? sortKeyOf(id) : `-${sortKeyOf(id)}`)}
                        style={{ fontWeight: 600, fontSize: 13 }}
                        data-testid={`sort-${id}`}
                      >
                        {flexRender(h.column.columnDef.header, h.getContext())}
                        {active ? (desc ? ' ↓' : ' ↑') : ''}
                      </UnstyledButton>
                    ) : (
                      flexRender(h.column.columnDef.header, h.getContext())
                    )}
                  </div>
                );
              })}
            </div>
          ))}
        </div>
        <div role="rowgroup" style={{ height: virtualizer.getTotalSize(), position: 'relative', width }}>
          {items.map((v) => {
            const row = tableRows[v.index];
            if (!row) return null;
            const r = row.original;
            return <VirtualRow key={v.key} row={row} index={v.index} start={v.start} selected={!!r && selected.has(r.id)} gridCols={gridCols} width={width} colsKey={columns.join(',')} />;
          })}
        </div>
      </div>
      {total === 0 && (
        <Text c="dimmed" p="md">
          No run matches.
        </Text>
      )}
    </div>
  );
}

/**
 * One drawn row. Memoized: while scrolling, rows that stay on screen only move (their `start`
 * changes the transform), and rows whose run, selection and columns are unchanged keep their cells.
 */
const VirtualRow = memo(function VirtualRow({ row, index, start, selected, gridCols, width, colsKey }: { row: TableRow<Row>; index: number; start: number; selected: boolean; gridCols: string; width: number; colsKey: string }) {
  const r = row.original;
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      data-testid={r ? `run-row-${r.id}` : undefined}
      aria-selected={r ? selected : undefined}
      style={{
        position: 'absolute',
        top: 0,
        left: 0,
        width,
        height: ROW_H,
        transform: `translateY(${start}px)`,
        display: 'grid',
        gridTemplateColumns: gridCols,
        alignItems: 'center',
        borderBottom: '1px solid var(--mantine-color-default-border)',
        background: r && selected ? 'var(--mantine-color-blue-light)' : r?.archived ? 'var(--mantine-color-gray-light)' : undefined,
      }}
    >
      <RowCells row={row} selected={selected} colsKey={colsKey} />
    </div>
  );
});

/** The cells: re-rendered only when the row's data, its selection or the columns change, not when it moves. */
const RowCells = memo(function RowCells({ row }: { row: TableRow<Row>; selected: boolean; colsKey: string }) {
  return (
    <>
      {row.getVisibleCells().map((c) => (
        <div role="cell" key={c.id} style={{ padding: '0 6px', overflow: 'hidden', whiteSpace: 'nowrap', textOverflow: 'ellipsis' }}>
          {flexRender(c.column.columnDef.cell, c.getContext())}
        </div>
      ))}
    </>
  );
});
