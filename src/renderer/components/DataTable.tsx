/** A sortable table (TanStack Table) drawn with Mantine's Table; headers are keyboard buttons. */
import { Table, Text, UnstyledButton, Group, ScrollArea } from '@mantine/core';
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
} from '@tanstack/react-table';
import { useMemo, useState, type ReactNode } from 'react';

export interface DataTableProps<T> {
  data: T[];
  columns: ColumnDef<T, any>[];
  /** Accessible name of the table. */
  label: string;
  initialSort?: SortingState;
  onRowClick?: (row: T) => void;
  rowTestId?: (row: T) => string;
  rowKey?: (row: T) => string;
  empty?: ReactNode;
  isSelected?: (row: T) => boolean;
  /** Columns whose text may wrap (others stay on one line); default: the name column. */
  wrapColumns?: string[];
}

export function DataTable<T>({
  data,
  columns,
  label,
  initialSort = [],
  onRowClick,
  rowTestId,
  rowKey,
  empty,
  isSelected,
  wrapColumns = ['name'],
}: DataTableProps<T>) {
  const [sorting, setSorting] = useState<SortingState>(initialSort);
  // TanStack caches cell values per row until `data` changes; columns that read other state
  // (dataset names, live progress) come with new column objects, so rebuild the rows then too.
  const rows = useMemo(() => [...data], [data, columns]);
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: rowKey ? (row) => rowKey(row) : undefined,
  });

  if (data.length === 0 && empty) return <>{empty}</>;

  return (
    <ScrollArea type="auto">
      <Table
        striped
        highlightOnHover={!!onRowClick}
        aria-label={label}
        verticalSpacing="xs"
        miw={600}
        stickyHeader
      >
        <Table.Thead>
          {table.getHeaderGroups().map((hg) => (
            <Table.Tr key={hg.id}>
              {hg.headers.map((h) => {
                const sorted = h.column.getIsSorted();
                const canSort = h.column.getCanSort();
                const content = h.isPlaceholder ? null : flexRender(h.column.columnDef.header, h.getContext());
                return (
                  <Table.Th
                    key={h.id}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                    style={{ verticalAlign: 'bottom' }}
                  >
                    {canSort ? (
                      <UnstyledButton
                        onClick={h.column.getToggleSortingHandler()}
                        aria-label={`Sort by ${typeof h.column.columnDef.header === 'string' ? h.column.columnDef.header : h.id}`}
                      >
                        <Group gap={4} wrap="nowrap" align="flex-end">
                          <Text fw={600} size="sm" lh={1.3}>
                            {content}
                          </Text>
                          <Text size="xs" c="dimmed" aria-hidden style={{ whiteSpace: 'nowrap' }}>
                            {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}
                          </Text>
                        </Group>
                      </UnstyledButton>
                    ) : (
                      content
                    )}
                  </Table.Th>
                );
              })}
            </Table.Tr>
          ))}
        </Table.Thead>
        <Table.Tbody>
          {table.getRowModel().rows.map((row) => (
            <Table.Tr
              key={row.id}
              data-testid={rowTestId ? rowTestId(row.original) : undefined}
              onClick={onRowClick ? () => onRowClick(row.original) : undefined}
              style={onRowClick ? { cursor: 'pointer' } : undefined}
              bg={isSelected?.(row.original) ? 'var(--mantine-primary-color-light)' : undefined}
              aria-current={isSelected?.(row.original) ? 'true' : undefined}
            >
              {row.getVisibleCells().map((cell) => (
                <Table.Td
                  key={cell.id}
                  style={wrapColumns.includes(cell.column.id) ? { minWidth: 160 } : { whiteSpace: 'nowrap' }}
                >
                  {flexRender(cell.column.columnDef.cell, cell.getContext())}
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
