/**
 * The live preview of the corruption studio: the same sample images before and after the recipe,
 * refreshed through lab.previewCorruption on every change (debounced), as a grid of 16 or as a
 * row per class. Under label noise each tile shows the noisy and the true label, and the header
 * the share of labels changed; dropped (imbalance) and poisoned (backdoor) images are marked.
 */
import { Badge, Box, Group, Loader, Paper, SegmentedControl, Stack, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { lab } from '../../api/client';
import { LabError } from '../../../shared/errors';
import type { CorruptionPreview as Preview, CorruptionPreviewItem, DatasetInfo, RecipeInput } from '../../../shared/schemas';
import { formatInt, formatPercent } from '../../lib/format';
import { PixelCanvas } from '../SampleGrid';

/** At most one preview request per this many milliseconds (the first after a pause goes at once). */
const THROTTLE_MS = 150;
const MAX_PREVIEW = 64;

/** A recipe that changes no pixel and is cheap: used to show the "before" images and to learn labels. */
const PROBE_RECIPE: RecipeInput = { steps: [{ corruption: 'labels/symmetric', severity: 1, params: {} }], seed: 0 };

export interface PreviewTiming {
  /** Request to response, in the page. */
  roundTripMs: number;
  /** Time the lab spent corrupting. */
  serverMs: number;
  /** From the change (the render that saw it) to the new images painted. */
  changeToPaintMs: number;
}

type View = 'grid' | 'class';

/**
 * Indices of up to `per` images of every class, found by reading the labels of the first few
 * hundred images of the split (64 at a time, through the preview call).
 */
function useClassIndices(dataset: DatasetInfo, split: 'train' | 'test', enabled: boolean): { indices: number[] | null; error: string | null } {
  const [state, setState] = useState<{ key: string; indices: number[] | null; error: string | null }>({ key: '', indices: null, error: null });
  const key = `${dataset.id}|${split}`;
  useEffect(() => {
    if (!enabled || state.key === key) return;
    let alive = true;
    const per = Math.max(1, Math.min(4, Math.floor(MAX_PREVIEW / Math.max(1, dataset.numClasses))));
    const total = dataset.splits[split]?.count ?? 0;
    (async () => {
      const byClass = new Map<number, number[]>();
      for (let start = 0; start < Math.min(total, 512); start += MAX_PREVIEW) {
        const indices = Array.from({ length: Math.min(MAX_PREVIEW, total - start) }, (_, i) => start + i);
        const p = await lab.previewCorruption({ dataset: dataset.id, split, recipe: PROBE_RECIPE, indices });
        for (const it of p.items) {
          const list = byClass.get(it.label) ?? [];
          if (list.length < per) list.push(it.index);
          byClass.set(it.label, list);
        }
        const full = Array.from({ length: dataset.numClasses }, (_, c) => (byClass.get(c)?.length ?? 0) >= per).every(Boolean);
        if (full) break;
      }
      const out = [...byClass.keys()].sort((a, b) => a - b).flatMap((c) => byClass.get(c)!);
      if (alive) setState({ key, indices: out.slice(0, MAX_PREVIEW), error: null });
    })().catch((err) => {
      if (alive) setState({ key, indices: null, error: LabError.from(err).message });
    });
    return () => {
      alive = false;
    };
  }, [enabled, key, state.key, dataset, split]);
  return state.key === key ? { indices: state.indices, error: state.error } : { indices: null, error: null };
}

export function CorruptionPreview({
  dataset,
  split,
  recipe,
  problem,
  labelNoise = false,
  onTiming,
}: {
  dataset: DatasetInfo;
  split: 'train' | 'test';
  /** The recipe to preview (the last valid one while a step has a problem), or null without steps. */
  recipe: RecipeInput | null;
  problem: string | null;
  /** The recipe has a label-noise step: show the measured noise rate even when it is 0. */
  labelNoise?: boolean;
  onTiming?: (t: PreviewTiming) => void;
}) {
  const [view, setView] = useState<View>('grid');
  const classIdx = useClassIndices(dataset, split, view === 'class');
  const [preview, setPreview] = useState<Preview | null>(null);
  const [shownKey, setShownKey] = useState<string>('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [timing, setTiming] = useState<(PreviewTiming & { key: string }) | null>(null);
  const onTimingRef = useRef(onTiming);
  onTimingRef.current = onTiming;

  const indices = view === 'class' ? classIdx.indices : null;
  const effective = recipe ?? PROBE_RECIPE;
  const requestKey = JSON.stringify([dataset.id, split, effective, indices, view]);
  const waitingForClasses = view === 'class' && !indices;

  // Requests: the newest state wins, one request at a time, at most one per THROTTLE_MS. The
  // first change after a pause goes out at once (it feels instant); a drag sends one request per
  // interval and always ends with the final state.
  const latest = useRef({ datasetId: dataset.id, split, recipe: effective, indices, key: requestKey, changedAt: 0 });
  const sched = useRef({ inFlight: false, pending: false, lastSentAt: -Infinity, timer: null as ReturnType<typeof setTimeout> | null, alive: true });
  const [painted, setPainted] = useState<{ key: string; changedAt: number; roundTripMs: number; serverMs: number } | null>(null);

  const send = useRef<() => void>(() => undefined);
  send.current = () => {
    const st = sched.current;
    st.timer = null;
    if (!st.pending || st.inFlight) return;
    st.pending = false;
    st.inFlight = true;
    st.lastSentAt = performance.now();
    const req = latest.current;
    const t0 = performance.now();
    lab
      .previewCorruption({
        dataset: req.datasetId,
        split: req.split,
        recipe: req.recipe,
        ...(req.indices ? { indices: req.indices } : { count: 16 }),
      })
      .then(
        (p) => {
          if (!st.alive) return;
          setPreview(p);
          setShownKey(req.key);
          setError(null);
          setPainted({ key: req.key, changedAt: req.changedAt, roundTripMs: performance.now() - t0, serverMs: p.ms });
        },
        (err) => {
          if (!st.alive) return;
          setError(LabError.from(err).message);
        },
      )
      .finally(() => {
        st.inFlight = false;
        if (!st.alive) return;
        if (st.pending) schedule();
        else setBusy(false);
      });
  };
  const schedule = () => {
    const st = sched.current;
    if (st.inFlight || st.timer) return;
    const wait = Math.max(0, st.lastSentAt + THROTTLE_MS - performance.now());
    if (wait === 0) send.current();
    else st.timer = setTimeout(() => send.current(), wait);
  };

  useEffect(() => {
    const st = sched.current;
    st.alive = true;
    return () => {
      st.alive = false;
      if (st.timer) clearTimeout(st.timer);
    };
  }, []);

  useEffect(() => {
    if (waitingForClasses) return;
    latest.current = { datasetId: dataset.id, split, recipe: effective, indices, key: requestKey, changedAt: performance.now() };
    sched.current.pending = true;
    setBusy(true);
    schedule();
    // requestKey covers dataset, split, recipe, indices and view.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [requestKey, waitingForClasses]);

  // Time from the change to the new images on screen (measured after the next frame is painted).
  useEffect(() => {
    if (!painted) return;
    let raf = requestAnimationFrame(() => {
      raf = 0;
      const tm = {
        key: painted.key,
        roundTripMs: painted.roundTripMs,
        serverMs: painted.serverMs,
        changeToPaintMs: performance.now() - painted.changedAt,
      };
      setTiming(tm);
      onTimingRef.current?.(tm);
    });
    return () => {
      if (raf) cancelAnimationFrame(raf);
    };
  }, [painted]);

  const loading = busy || shownKey !== requestKey;

  const showAfter = !!recipe;
  const items = preview?.items ?? [];
  const stats = useMemo(() => summarize(items), [items]);
  const scale = tileScale(dataset, view);

  return (
    <Paper
      withBorder
      radius="md"
      p="md"
      component="section"
      aria-labelledby="preview-title"
      aria-busy={loading}
      data-testid="corruption-preview"
      data-state={loading || waitingForClasses ? 'loading' : 'ready'}
      data-shown-key={shownKey}
    >
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs" align="flex-start">
          <div style={{ minWidth: 0 }}>
            <Group gap={8}>
              <Title order={2} size="h4" id="preview-title">
                Preview
              </Title>
              <Box w={16} h={16} style={{ display: 'flex', alignItems: 'center' }}>
                {(loading || waitingForClasses) && <Loader size={14} aria-label="Updating the preview" data-testid="preview-loading" />}
              </Box>
            </Group>
            <Text size="sm" c="dimmed">
              {view === 'grid' ? `The first ${items.length || 16}` : 'A few'} {split === 'test' ? 'test' : 'training'} images
              {showAfter ? ': before (left) and after (right) the recipe.' : ', as they are now.'}
            </Text>
          </div>
          <SegmentedControl
            aria-label="Preview layout"
            size="xs"
            value={view}
            onChange={(v) => setView(v as View)}
            data={[
              { value: 'grid', label: '16 images' },
              { value: 'class', label: 'Per class' },
            ]}
            data-testid="preview-view"
          />
        </Group>

        {problem && (
          <Text size="sm" c="dimmed" data-testid="preview-hint">
            {problem}
          </Text>
        )}
        {(error || classIdx.error) && (
          <Text size="sm" c="red" role="alert" data-testid="preview-error">
            {error ?? classIdx.error}
          </Text>
        )}

        {showAfter && preview && <PreviewStats stats={stats} labelNoise={labelNoise || stats.changed > 0} />}

        <Box
          style={{ opacity: loading && preview ? 0.75 : 1, transition: 'opacity 120ms' }}
          data-testid="preview-tiles"
        >
          {!preview ? (
            <Group gap="xs" py="lg">
              <Loader size="sm" aria-label="Loading the preview" />
            </Group>
          ) : view === 'grid' ? (
            <Box
              role="list"
              aria-label="Preview images"
              style={{ display: 'grid', gridTemplateColumns: `repeat(auto-fill, minmax(${tileWidth(dataset, scale, showAfter)}px, 1fr))`, gap: 10 }}
            >
              {items.map((it) => (
                <Tile key={it.index} item={it} preview={preview} dataset={dataset} scale={scale} showAfter={showAfter} />
              ))}
            </Box>
          ) : (
            <Stack gap={6} role="list" aria-label="Preview images, one row per class">
              {groupByClass(items, dataset.numClasses).map(([label, list]) => (
                <Group key={label} gap={10} wrap="nowrap" role="listitem" aria-label={`Class ${dataset.classNames[label] ?? label}`} align="flex-start">
                  <Text size="sm" fw={600} w={56} style={{ flexShrink: 0 }} truncate title={dataset.classNames[label] ?? String(label)}>
                    {dataset.classNames[label] ?? label}
                  </Text>
                  <Group gap={10} wrap="wrap" role="list" style={{ minWidth: 0 }}>
                    {list.map((it) => (
                      <Tile key={it.index} item={it} preview={preview} dataset={dataset} scale={scale} showAfter={showAfter} />
                    ))}
                  </Group>
                </Group>
              ))}
            </Stack>
          )}
        </Box>
        <Text
          size="xs"
          c="dimmed"
          data-testid="preview-timing"
          data-key={timing?.key}
          data-roundtrip={timing?.roundTripMs.toFixed(1)}
          data-server={timing?.serverMs.toFixed(1)}
          data-paint={timing?.changeToPaintMs.toFixed(1)}
        >
          {timing
            ? `Shown ${Math.round(timing.changeToPaintMs)} ms after the change (corrupting took ${Math.max(1, Math.round(timing.serverMs))} ms). Seed ${preview?.seed ?? 0}.`
            : ' '}
        </Text>
      </Stack>
    </Paper>
  );
}

function tileScale(d: DatasetInfo, view: View): number {
  const side = Math.max(d.height, d.width);
  const target = view === 'grid' ? 76 : 56;
  return side >= target ? target / side : Math.max(1, Math.floor(target / side));
}

function tileWidth(d: DatasetInfo, scale: number, showAfter: boolean): number {
  return Math.ceil(d.width * scale + 2) * (showAfter ? 2 : 1) + (showAfter ? 4 : 0);
}

function groupByClass(items: CorruptionPreviewItem[], numClasses: number): [number, CorruptionPreviewItem[]][] {
  const m = new Map<number, CorruptionPreviewItem[]>();
  for (const it of items) m.set(it.label, [...(m.get(it.label) ?? []), it]);
  void numClasses;
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

interface Stats {
  shown: number;
  /** Kept images without a backdoor trigger: the ones label noise may have changed. */
  clean: number;
  changed: number;
  dropped: number;
  poisoned: number;
}

function summarize(items: CorruptionPreviewItem[]): Stats {
  let changed = 0;
  let dropped = 0;
  let poisoned = 0;
  let clean = 0;
  for (const it of items) {
    if (it.dropped) dropped++;
    else if (it.poisoned) poisoned++;
    else {
      clean++;
      if (it.newLabel !== null && it.newLabel !== it.label) changed++;
    }
  }
  return { shown: items.length, clean, changed, dropped, poisoned };
}

function PreviewStats({ stats, labelNoise }: { stats: Stats; labelNoise: boolean }) {
  const parts: string[] = [];
  if (labelNoise) {
    parts.push(
      `Noisy labels on ${formatInt(stats.changed)} of ${formatInt(stats.clean)} images shown: measured noise rate ${formatPercent(stats.clean ? stats.changed / stats.clean : 0, 0)} (a small sample; the saved dataset records the rate over the whole split).`,
    );
  }
  if (stats.dropped > 0) parts.push(`${formatInt(stats.dropped)} of ${formatInt(stats.shown)} images shown are left out of the new split.`);
  if (stats.poisoned > 0) parts.push(`${formatInt(stats.poisoned)} of ${formatInt(stats.shown)} carry the backdoor trigger.`);
  if (!parts.length) return null;
  return (
    <Text size="sm" fw={500} data-testid="preview-stats" aria-live="polite">
      {parts.join(' ')}
    </Text>
  );
}

function Tile({
  item,
  preview,
  dataset,
  scale,
  showAfter,
}: {
  item: CorruptionPreviewItem;
  preview: Preview;
  dataset: DatasetInfo;
  scale: number;
  showAfter: boolean;
}) {
  const name = (l: number) => dataset.classNames[l] ?? String(l);
  const noisy = showAfter && item.newLabel !== null && item.newLabel !== item.label;
  const w = Math.round(preview.width * scale);
  const h = Math.round(preview.height * scale);
  return (
    <Box role="listitem" data-testid="preview-tile" data-index={item.index} style={{ minWidth: 0 }}>
      <Group gap={4} wrap="nowrap">
        <PixelCanvas
          pixels={item.before}
          height={preview.height}
          width={preview.width}
          channels={preview.channels}
          scale={scale}
          label={`Image ${item.index}, class ${name(item.label)}, before`}
          testId="preview-before"
        />
        {showAfter &&
          (item.after ? (
            <PixelCanvas
              pixels={item.after}
              height={preview.height}
              width={preview.width}
              channels={preview.channels}
              scale={scale}
              label={`Image ${item.index}, after the recipe${noisy ? `, labelled ${name(item.newLabel!)}` : ''}`}
              testId="preview-after"
            />
          ) : (
            <Box
              w={w + 2}
              h={h + 2}
              role="img"
              aria-label={`Image ${item.index} is left out of the new split`}
              style={{
                border: '1px dashed var(--mantine-color-default-border)',
                borderRadius: 2,
                display: 'flex',
                alignItems: 'center',
                justifyContent: 'center',
              }}
            >
              <Text size="10px" c="dimmed" ta="center">
                left out
              </Text>
            </Box>
          ))}
      </Group>
      <Group gap={4} mt={2} wrap="nowrap" style={{ minWidth: 0 }}>
        {noisy ? (
          <Text size="xs" c="orange.7" fw={600} data-testid="tile-noisy-label" title={`Labelled ${name(item.newLabel!)}; really ${name(item.label)}`}>
            {name(item.newLabel!)}
            <Text span size="xs" c="dimmed" fw={400}>
              {' '}
              (true {name(item.label)})
            </Text>
          </Text>
        ) : (
          <Text size="xs" c="dimmed" truncate>
            {name(item.label)}
          </Text>
        )}
        {item.poisoned && (
          <Badge size="xs" color="grape" variant="light">
            trigger
          </Badge>
        )}
      </Group>
    </Box>
  );
}
