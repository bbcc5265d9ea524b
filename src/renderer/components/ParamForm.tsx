/**
 * A form generated from a registry entry's parameter descriptors (number, integer, boolean,
 * enum): ranges, defaults, units and help come from the descriptors; advanced ones are folded.
 */
import { Accordion, NativeSelect, NumberInput, SimpleGrid, Stack, Switch, TextInput } from '@mantine/core';
import type { ReactNode } from 'react';
import type { ParamDescriptor } from '../../shared/schemas';
import { formatNumber } from '../lib/format';

export type ParamValue = number | boolean | string;
export type ParamValues = Record<string, ParamValue>;

export function defaultParams(params: ParamDescriptor[]): ParamValues {
  const out: ParamValues = {};
  for (const p of params) out[p.key] = p.default;
  return out;
}

export function rangeText(p: Pick<ParamDescriptor, 'min' | 'max' | 'unit'>): string {
  const unit = p.unit ? `; unit: ${p.unit}` : '';
  if (p.min !== undefined && p.max !== undefined) return `Range ${formatNumber(p.min)} to ${formatNumber(p.max)}${unit}.`;
  if (p.min !== undefined) return `At least ${formatNumber(p.min)}${unit}.`;
  if (p.max !== undefined) return `At most ${formatNumber(p.max)}${unit}.`;
  return p.unit ? `Unit: ${p.unit}.` : '';
}

/** The first problem with the values, as a sentence, or null when they are all valid. */
export function validateParams(params: ParamDescriptor[], values: ParamValues): string | null {
  for (const p of params) {
    const v = values[p.key];
    if (p.type === 'number' || p.type === 'integer') {
      if (typeof v !== 'number' || !Number.isFinite(v)) return `${p.label}: enter a number.`;
      if (p.type === 'integer' && !Number.isInteger(v)) return `${p.label}: enter a whole number.`;
      if (p.min !== undefined && v < p.min) return `${p.label} must be at least ${formatNumber(p.min)}.`;
      if (p.max !== undefined && v > p.max) return `${p.label} must be at most ${formatNumber(p.max)}.`;
    } else if (p.type === 'enum') {
      if (p.options && !p.options.some((o) => o.value === v)) return `${p.label}: choose one of the listed options.`;
    } else if (p.type === 'string') {
      if (stringError(p, v)) return `${p.label}: ${stringError(p, v)}`;
    }
  }
  return null;
}

/** Values with numbers coerced (NumberInput yields '' while a field is being edited). */
export function cleanParams(params: ParamDescriptor[], values: ParamValues): ParamValues {
  const out: ParamValues = {};
  for (const p of params) {
    const v = values[p.key] ?? p.default;
    if (p.type === 'number' || p.type === 'integer') out[p.key] = typeof v === 'number' ? v : Number(v);
    else if (p.type === 'boolean') out[p.key] = !!v;
    else out[p.key] = String(v);
  }
  return out;
}

function ParamField({ p, value, onChange }: { p: ParamDescriptor; value: ParamValue | undefined; onChange: (v: ParamValue) => void }) {
  const range = rangeText(p);
  const description = range ? `${p.help} ${range}` : p.help;
  const testId = `param-${p.key}`;
  const label = p.label;
  switch (p.type) {
    case 'boolean':
      return (
        <Switch
          label={p.label}
          description={p.help}
          checked={!!value}
          onChange={(e) => onChange(e.currentTarget.checked)}
          data-testid={testId}
        />
      );
    case 'enum':
      return (
        <NativeSelect
          label={label}
          description={p.help}
          value={String(value ?? p.default)}
          onChange={(e) => onChange(e.currentTarget.value)}
          data={(p.options ?? []).map((o) => ({ value: o.value, label: o.label }))}
          data-testid={testId}
        />
      );
    case 'string':
      return (
        <TextInput
          label={label}
          description={p.help}
          value={typeof value === 'string' ? value : String(value ?? p.default)}
          onChange={(e) => onChange(e.currentTarget.value)}
          placeholder={p.default === '' ? 'empty' : String(p.default)}
          error={stringError(p, value)}
          data-testid={testId}
        />
      );
    default:
      return (
        <NumberInput
          label={label}
          description={description}
          value={typeof value === 'number' || typeof value === 'string' ? value : ''}
          onChange={(v) => onChange(typeof v === 'number' ? v : v === '' ? '' : Number(v))}
          min={p.min}
          max={p.max}
          step={p.step ?? (p.type === 'integer' ? 1 : undefined)}
          allowDecimal={p.type !== 'integer'}
          clampBehavior="none"
          data-testid={testId}
          error={fieldError(p, value)}
        />
      );
  }
}

/** A free-text value that does not match the descriptor's pattern (empty is always allowed). */
function stringError(p: ParamDescriptor, value: ParamValue | undefined): string | undefined {
  if (p.type !== 'string' || !p.pattern || typeof value !== 'string' || value.trim() === '') return undefined;
  try {
    return new RegExp(p.pattern).test(value.trim()) ? undefined : 'this text does not have the expected form; see the explanation.';
  } catch {
    return undefined;
  }
}

function fieldError(p: ParamDescriptor, value: ParamValue | undefined): string | undefined {
  if (typeof value !== 'number') return undefined;
  if (p.min !== undefined && value < p.min) return `At least ${formatNumber(p.min)}`;
  if (p.max !== undefined && value > p.max) return `At most ${formatNumber(p.max)}`;
  if (p.type === 'integer' && !Number.isInteger(value)) return 'A whole number';
  return undefined;
}

export function ParamForm({
  params,
  values,
  onChange,
  afterBasic,
  advancedLabel = 'Advanced attack settings',
  columns = 2,
}: {
  params: ParamDescriptor[];
  values: ParamValues;
  onChange: (values: ParamValues) => void;
  /** Shown between the basic fields and the folded advanced ones. */
  afterBasic?: ReactNode;
  /** Title of the folded section of advanced fields (default: "Advanced attack settings"). */
  advancedLabel?: string;
  /** Fields per row on wide screens (default 2; 1 for narrow containers). */
  columns?: 1 | 2;
}) {
  const basic = params.filter((p) => !p.advanced);
  const advanced = params.filter((p) => p.advanced);
  const set = (key: string) => (v: ParamValue) => onChange({ ...values, [key]: v });
  return (
    <Stack gap="sm">
      {basic.length > 0 && (
        <SimpleGrid cols={{ base: 1, sm: columns }} spacing="md" verticalSpacing="sm">
          {basic.map((p) => (
            <ParamField key={p.key} p={p} value={values[p.key]} onChange={set(p.key)} />
          ))}
        </SimpleGrid>
      )}
      {afterBasic}
      {advanced.length > 0 && (
        <Accordion variant="contained">
          <Accordion.Item value="advanced">
            <Accordion.Control>
              {advancedLabel} ({advanced.length})
            </Accordion.Control>
            <Accordion.Panel>
              <SimpleGrid cols={{ base: 1, sm: columns }} spacing="md" verticalSpacing="sm">
                {advanced.map((p) => (
                  <ParamField key={p.key} p={p} value={values[p.key]} onChange={set(p.key)} />
                ))}
              </SimpleGrid>
            </Accordion.Panel>
          </Accordion.Item>
        </Accordion>
      )}
    </Stack>
  );
}
