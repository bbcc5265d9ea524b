/**
 * The recipe editor of the corruption studio: an ordered list of steps picked from the
 * corruption registry (grouped by family), each with a severity slider, its parameters folded
 * under "Advanced", move up/down and remove buttons (keyboard accessible), plus the seed.
 */
import {
  Accordion,
  ActionIcon,
  Badge,
  Button,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Slider,
  Stack,
  Text,
  Textarea,
  TextInput,
  Tooltip,
  VisuallyHidden,
  type ComboboxItem,
  type ComboboxLikeRenderOptionInput,
} from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { CorruptionInfo, DatasetInfo } from '../../../shared/schemas';
import { ParamForm } from '../ParamForm';
import {
  defaultMatrixText,
  FAMILIES,
  newStep,
  toApiStep,
  type StepState,
} from '../../lib/corruptions';

function Arrow({ dir }: { dir: 'up' | 'down' }) {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.2" aria-hidden>
      {dir === 'up' ? <path d="M12 19V5M5 12l7-7 7 7" /> : <path d="M12 5v14M19 12l-7 7-7-7" />}
    </svg>
  );
}

function Cross() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2.2" aria-hidden>
      <path d="M6 6l12 12M18 6L6 18" />
    </svg>
  );
}

const SEVERITY_MARKS = [1, 2, 3, 4, 5].map((v) => ({ value: v, label: String(v) }));
const SEVERITY_WORDS = ['', 'mild', 'light', 'medium', 'strong', 'severe'];

interface Props {
  registry: CorruptionInfo[];
  dataset: DatasetInfo | undefined;
  steps: StepState[];
  onStepsChange: (steps: StepState[]) => void;
  seed: number | '';
  onSeedChange: (seed: number | '') => void;
}

export function RecipeEditor({ registry, dataset, steps, onStepsChange, seed, onSeedChange }: Props) {
  const grey = !!dataset && dataset.channels < 3;
  // Where keyboard focus goes after a move or a removal (the DOM nodes move under it).
  const focusNext = useRef<string | null>(null);
  useEffect(() => {
    const id = focusNext.current;
    if (!id) return;
    focusNext.current = null;
    const el = document.getElementById(id) as HTMLElement | null;
    if (el && !(el as HTMLButtonElement).disabled) el.focus();
    else document.getElementById('add-corruption')?.focus();
  });

  const options = useMemo(
    () =>
      FAMILIES.map(({ family, label }) => ({
        group: label,
        items: registry
          .filter((c) => c.family === family)
          .map((c) => ({
            value: c.name,
            label: c.title,
            disabled: grey && c.colourOnly,
          })),
      })).filter((g) => g.items.length > 0),
    [registry, grey],
  );

  const renderOption = ({ option }: ComboboxLikeRenderOptionInput<ComboboxItem>) => {
    const info = registry.find((c) => c.name === option.value);
    return (
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Text size="sm" fw={500}>
          {option.label}
          {info && grey && info.colourOnly ? ' (colour images only)' : ''}
        </Text>
        {info && (
          <Text size="xs" c="dimmed" lineClamp={2}>
            {info.description}
          </Text>
        )}
      </Stack>
    );
  };

  const add = (name: string | null) => {
    const info = registry.find((c) => c.name === name);
    if (!info) return;
    const step = newStep(info);
    if (info.needs === 'matrix' && dataset) step.matrixText = defaultMatrixText(dataset.numClasses);
    onStepsChange([...steps, step]);
  };

  const update = (key: string, patch: Partial<StepState>) =>
    onStepsChange(steps.map((s) => (s.key === key ? { ...s, ...patch } : s)));

  const move = (index: number, delta: -1 | 1) => {
    const j = index + delta;
    if (j < 0 || j >= steps.length) return;
    const next = [...steps];
    const [s] = next.splice(index, 1);
    next.splice(j, 0, s!);
    // Keep focus on the same button of the moved step; at an end, on the other arrow.
    const atEnd = j === 0 || j === steps.length - 1;
    focusNext.current = `${s!.key}-${atEnd ? (delta < 0 ? 'down' : 'up') : delta < 0 ? 'up' : 'down'}`;
    onStepsChange(next);
  };

  const remove = (index: number) => {
    const next = steps.filter((_, i) => i !== index);
    const neighbour = next[Math.min(index, next.length - 1)];
    focusNext.current = neighbour ? `${neighbour.key}-remove` : 'add-corruption';
    onStepsChange(next);
  };

  return (
    <Stack gap="sm">
      {steps.length === 0 ? (
        <Paper withBorder radius="md" p="md" style={{ borderStyle: 'dashed' }}>
          <Text size="sm" c="dimmed">
            No steps yet. Pick a corruption below; steps run in order from top to bottom on every image.
          </Text>
        </Paper>
      ) : (
        <Stack gap="sm" component="ol" aria-label="Recipe steps, applied in this order" data-testid="recipe-steps" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {steps.map((s, i) => (
            <StepCard
              key={s.key}
              step={s}
              index={i}
              count={steps.length}
              info={registry.find((c) => c.name === s.corruption)}
              dataset={dataset}
              onChange={(patch) => update(s.key, patch)}
              onMove={(d) => move(i, d)}
              onRemove={() => remove(i)}
            />
          ))}
        </Stack>
      )}
      <Select
        id="add-corruption"
        label={steps.length ? 'Add another step' : 'Add a corruption'}
        description="Grouped by family; type to search. Each step has a plain-language description."
        placeholder="Choose a corruption…"
        data={options}
        value={null}
        onChange={add}
        searchable
        clearable={false}
        nothingFoundMessage="No corruption matches"
        maxDropdownHeight={380}
        renderOption={renderOption}
        comboboxProps={{ width: 'target', position: 'bottom-start' }}
        data-testid="add-corruption"
      />
      <Group align="flex-end" gap="xs" wrap="nowrap">
        <NumberInput
          label="Seed"
          description="The same recipe and seed always give the same images."
          value={seed}
          onChange={(v) => onSeedChange(typeof v === 'number' ? v : v === '' ? '' : Number(v))}
          min={0}
          max={2 ** 31 - 1}
          allowDecimal={false}
          allowNegative={false}
          clampBehavior="strict"
          style={{ flex: 1 }}
          data-testid="recipe-seed"
        />
        <Button variant="default" onClick={() => onSeedChange(Math.floor(Math.random() * 1_000_000))}>
          New seed
        </Button>
      </Group>
    </Stack>
  );
}

function StepCard({
  step,
  index,
  count,
  info,
  dataset,
  onChange,
  onMove,
  onRemove,
}: {
  step: StepState;
  index: number;
  count: number;
  info: CorruptionInfo | undefined;
  dataset: DatasetInfo | undefined;
  onChange: (patch: Partial<StepState>) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
}) {
  const title = info?.title ?? step.corruption;
  const problem = toApiStep(step, info, dataset).error;
  const hasSeverity = !!info && info.severities.length > 0;
  const [sev, setSev] = useState(step.severity);
  useEffect(() => setSev(step.severity), [step.severity]);
  const advancedCount = (info?.params.length ?? 0) + (info?.needs ? 1 : 0) + 1;
  const labelId = `${step.key}-title`;
  return (
    <Paper
      component="li"
      withBorder
      radius="md"
      p="sm"
      aria-labelledby={labelId}
      data-testid="recipe-step"
      data-corruption={step.corruption}
      style={problem ? { borderColor: 'var(--mantine-color-orange-6)' } : undefined}
    >
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap" gap="xs" align="flex-start">
          <Group gap={8} wrap="nowrap" style={{ minWidth: 0 }}>
            <Badge variant="light" radius="sm" size="lg" aria-hidden style={{ flexShrink: 0 }}>
              {index + 1}
            </Badge>
            <div style={{ minWidth: 0 }}>
              <Text fw={600} size="sm" id={labelId} style={{ overflowWrap: 'anywhere' }}>
                <VisuallyHidden>Step {index + 1}: </VisuallyHidden>
                {title}
              </Text>
              {info && (
                <Text size="xs" c="dimmed">
                  {info.familyTitle} · {info.suiteTitle}
                  {info.target !== 'images' ? ` · changes the ${info.target === 'labels' ? 'labels' : 'split'}` : ''}
                </Text>
              )}
            </div>
          </Group>
          <Group gap={4} wrap="nowrap" style={{ flexShrink: 0 }}>
            <Tooltip label="Move up (earlier)" withArrow openDelay={400}>
              <ActionIcon
                id={`${step.key}-up`}
                variant="default"
                onClick={() => onMove(-1)}
                disabled={index === 0}
                aria-label={`Move step ${index + 1}, ${title}, up`}
                data-testid="step-up"
              >
                <Arrow dir="up" />
              </ActionIcon>
            </Tooltip>
            <Tooltip label="Move down (later)" withArrow openDelay={400}>
              <ActionIcon
                id={`${step.key}-down`}
                variant="default"
                onClick={() => onMove(1)}
                disabled={index === count - 1}
                aria-label={`Move step ${index + 1}, ${title}, down`}
                data-testid="step-down"
              >
                <Arrow dir="down" />
              </ActionIcon>
            </Tooltip>
            <Tooltip label="Remove this step" withArrow openDelay={400}>
              <ActionIcon
                id={`${step.key}-remove`}
                variant="default"
                color="red"
                onClick={onRemove}
                aria-label={`Remove step ${index + 1}, ${title}`}
                data-testid="step-remove"
              >
                <Cross />
              </ActionIcon>
            </Tooltip>
          </Group>
        </Group>
        {info && (
          <Text size="xs" c="dimmed" lineClamp={3} title={info.description}>
            {info.description}
          </Text>
        )}
        {hasSeverity ? (
          <div>
            <Group justify="space-between" gap="xs">
              <Text size="sm" fw={500} id={`${step.key}-sev-label`}>
                Severity
              </Text>
              <Text size="sm" c="dimmed" data-testid="step-severity-value">
                {sev} of 5 ({SEVERITY_WORDS[sev]})
              </Text>
            </Group>
            <Slider
              min={1}
              max={5}
              step={1}
              marks={SEVERITY_MARKS}
              restrictToMarks
              value={sev}
              onChange={(v) => {
                setSev(v);
                onChange({ severity: v });
              }}
              label={null}
              thumbLabel={`Severity of step ${index + 1}, ${title}`}
              mb="md"
              mx={6}
              data-testid="step-severity"
            />
          </div>
        ) : (
          <Text size="xs" c="dimmed">
            This corruption has no severity: its settings below decide what it does.
          </Text>
        )}
        {info?.needs === 'classMap' && (
          <TextInput
            label="Class map (optional)"
            description={`Which class each class is confused with, in class order (${dataset?.numClasses ?? 'C'} numbers). Empty: class i → i+1.`}
            placeholder={dataset ? Array.from({ length: dataset.numClasses }, (_, i) => (i + 1) % dataset.numClasses).join(', ') : '1, 2, 3, 0'}
            value={step.classMapText}
            onChange={(e) => onChange({ classMapText: e.currentTarget.value })}
          />
        )}
        {info?.needs === 'matrix' && (
          <Textarea
            label="Transition matrix"
            description="Row i: the chances that an image of class i gets each label (one row per line, numbers separated by commas; each row sums to 1)."
            value={step.matrixText}
            onChange={(e) => onChange({ matrixText: e.currentTarget.value })}
            autosize
            minRows={3}
            maxRows={12}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
          />
        )}
        <Accordion variant="contained" chevronPosition="left">
          <Accordion.Item value="advanced">
            <Accordion.Control data-testid="step-advanced">
              <Text size="sm">Advanced ({advancedCount})</Text>
            </Accordion.Control>
            <Accordion.Panel>
              <Stack gap="sm">
                {info && info.params.length > 0 && (
                  <ParamForm
                    params={info.params}
                    values={step.params}
                    onChange={(params) => onChange({ params })}
                    advancedLabel="More settings"
                    columns={1}
                  />
                )}
                <div>
                  <Text size="sm" fw={500} id={`${step.key}-splits`}>
                    Apply to
                  </Text>
                  <Text size="xs" c="dimmed" mb={4}>
                    Which splits of the saved dataset get this step (e.g. noisy labels in training only).
                  </Text>
                  <SegmentedControl
                    aria-labelledby={`${step.key}-splits`}
                    size="xs"
                    value={step.splits.length === 1 ? step.splits[0]! : 'all'}
                    onChange={(v) => onChange({ splits: v === 'all' ? [] : [v as 'train' | 'test'] })}
                    data={[
                      { value: 'all', label: 'Every split' },
                      { value: 'train', label: 'Training only' },
                      { value: 'test', label: 'Test only' },
                    ]}
                  />
                </div>
              </Stack>
            </Accordion.Panel>
          </Accordion.Item>
        </Accordion>
        {problem && (
          <Text size="xs" c="orange.8" role="alert" data-testid="step-problem">
            {problem}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}
