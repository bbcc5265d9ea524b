/**
 * The Runs page's controls: the query box (checked by the lab as you type; a bad query shows the
 * lab's sentence with its position), columns, group-by, archived switch and saved views.
 */
import { Button, Group, MultiSelect, Popover, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { lab } from '../../api/client';
import type { SavedView } from '../../../shared/history';
import { notifyError, notifyOk } from '../../lib/notify';
import { navigate } from '../../lib/route';
import { DEFAULT_RUN_COLUMNS } from './routeState';

export function QueryBox({ value, onSubmit, error }: { value: string; onSubmit: (q: string) => void; error: string | null }) {
  const [text, setText] = useState(value);
  const [syntax, setSyntax] = useState<string | null>(null);
  const submit = useRef(onSubmit);
  submit.current = onSubmit;
  useEffect(() => setText(value), [value]);
  // Check as you type; run the query when it is valid and the typing pauses.
  useEffect(() => {
    if (text === value) {
      setSyntax(null);
      return;
    }
    const t = setTimeout(() => {
      lab.checkQuery({ query: text }).then((r) => {
        setSyntax(r.ok ? null : r.message);
        if (r.ok) submit.current(text);
      });
    }, 350);
    return () => clearTimeout(t);
  }, [text, value]);
  const message = syntax ?? error;
  return (
    <TextInput
      label="Search"
      description={'e.g. method = "trades" and metrics.test/pgd_accuracy > 0.4 · tag:baseline or star · name ~ "cnn"'}
      placeholder="Query (empty: every run)"
      value={text}
      onChange={(e) => setText(e.currentTarget.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onSubmit(text);
      }}
      error={message}
      data-testid="runs-query"
      w={520}
      styles={{ input: { fontFamily: 'monospace' } }}
    />
  );
}

export function ColumnsPicker({ columns, paramKeys, metricKeys, onChange }: { columns: string[]; paramKeys: string[]; metricKeys: string[]; onChange: (c: string[]) => void }) {
  const data = [
    { group: 'Run', items: DEFAULT_RUN_COLUMNS },
    { group: 'Params', items: paramKeys.filter((k) => !DEFAULT_RUN_COLUMNS.includes(k)).map((k) => `params.${k}`) },
    { group: 'Metrics (latest)', items: metricKeys.map((k) => `metrics.${k}`) },
  ];
  return (
    <MultiSelect
      label="Columns"
      data={data}
      value={columns}
      onChange={(v) => v.length && onChange(v)}
      searchable
      w={320}
      maxDropdownHeight={300}
      data-testid="runs-columns"
      styles={{ pill: { maxWidth: 120 } }}
    />
  );
}

export function GroupBySelect({ value, paramKeys, onChange }: { value: string; paramKeys: string[]; onChange: (v: string | null) => void }) {
  return (
    <Select
      label="Group by"
      placeholder="No grouping"
      data={['kind', 'status', ...paramKeys]}
      value={value || null}
      onChange={onChange}
      clearable
      searchable
      w={200}
      data-testid="runs-group-by"
    />
  );
}

export function ArchivedSwitch({ checked, onChange }: { checked: boolean; onChange: (v: boolean) => void }) {
  return <Switch label="Show archived" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} mt={24} />;
}

/** Saved views: save the current route under a name; open one. */
export function SavedViews({ page, route, reloadKey }: { page: 'runs' | 'compare'; route: string; reloadKey?: number }) {
  const [views, setViews] = useState<SavedView[]>([]);
  const [name, setName] = useState('');
  const [open, setOpen] = useState(false);
  const load = () => lab.listViews({}).then(setViews, () => setViews([]));
  useEffect(() => {
    void load();
  }, [reloadKey]);
  return (
    <Group gap="xs" align="flex-end">
      <Select
        label="Saved views"
        placeholder={views.length ? 'Open a view' : 'None yet'}
        data={views.map((v) => ({ value: v.name, label: `${v.name} (${v.page})` }))}
        value={null}
        onChange={(n) => {
          const v = views.find((x) => x.name === n);
          if (v) window.location.hash = `#/${v.page}${v.route ? `?${v.route}` : ''}`;
        }}
        w={200}
        data-testid="views-open"
      />
      <Popover opened={open} onChange={setOpen} withArrow trapFocus>
        <Popover.Target>
          <Button variant="default" onClick={() => setOpen((o) => !o)} data-testid="views-save">
            Save view
          </Button>
        </Popover.Target>
        <Popover.Dropdown>
          <Stack gap="xs">
            <TextInput label="View name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="views-name" autoFocus />
            <Text size="xs" c="dimmed">
              Keeps the {page === 'runs' ? 'query, sort, columns and grouping' : 'runs, charts and filters'} of this page.
            </Text>
            <Button
              size="xs"
              disabled={!name.trim()}
              data-testid="views-save-confirm"
              onClick={() =>
                lab.saveView({ name, page, route }).then(
                  () => {
                    notifyOk('View saved', `"${name}" reopens this page as it is now.`);
                    setOpen(false);
                    void load();
                  },
                  (e) => notifyError('Could not save the view', e),
                )
              }
            >
              Save
            </Button>
          </Stack>
        </Popover.Dropdown>
      </Popover>
    </Group>
  );
}

export { navigate };
