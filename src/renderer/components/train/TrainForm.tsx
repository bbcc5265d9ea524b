/**
 * The Train form: holds the form state and the submit rules, and composes the sections
 * (presets, basics, method card, per-epoch checks, advanced and more settings, start).
 */
import { Accordion, Stack, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { lab } from '../../api/client';
import { TrainSpecSchema, type ArchitectureInfo, type DatasetInfo, type ModelInfo, type MethodEntry } from '../../../shared/schemas';
import { validateParams } from '../ParamForm';
import { formatInt } from '../../lib/format';
import { epochSelection } from '../../../shared/methods';
import { findDataset } from '../../lib/names';
import { trainFormFromSpec } from '../history/clone';
import type { TrainSpec } from '../../../shared/schemas';
import { notifyError } from '../../lib/notify';
import { navigate } from '../../lib/route';
import { AdvancedSettings } from './AdvancedSettings';
import { BasicsFields } from './BasicsFields';
import { MethodCard } from './MethodCard';
import { MonitorPanel } from './MonitorPanel';
import { MoreSettings } from './MoreSettings';
import { PresetsSection } from './PresetsSection';
import { SubmitSection } from '../SubmitSection';
import { SweepSection } from '../sweeps/SweepSection';
import {
  applyPreset,
  BASE_FORM,
  buildSpec,
  FIELD_NAMES,
  formMemory,
  methodDefaults,
  formMeasures,
  methodMonitor,
  PRESETS,
  trainSummary,
  type SetField,
  type TrainForm,
} from './trainForm';

export function TrainFormView({
  datasets,
  archs,
  methods,
  models,
  datasetParam,
  cloneSpec,
}: {
  datasets: DatasetInfo[];
  archs: ArchitectureInfo[];
  methods: MethodEntry[];
  models: ModelInfo[];
  datasetParam?: string;
  /** Clone: start from this stored spec (src/renderer/components/history/clone.ts). */
  cloneSpec?: TrainSpec;
}) {
  const trainable = datasets.filter((d) => d.splits.train);
  const [form, setForm] = useState<TrainForm>(() => {
    if (cloneSpec) return trainFormFromSpec(cloneSpec, trainable);
    const start = formMemory.last ?? applyPreset(BASE_FORM, PRESETS[0]!, archs, methods);
    const wanted =
      findDataset(trainable, datasetParam) ??
      findDataset(trainable, start.dataset) ??
      trainable.find((d) => d.name === 'mnist-digits') ??
      trainable[0];
    return { ...start, dataset: wanted?.id ?? '', arch: start.arch || archs[0]?.name || '' };
  });
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [advanced, setAdvanced] = useState<string[]>([]);

  useEffect(() => {
    formMemory.last = form;
  }, [form]);

  const set: SetField = (key, value) =>
    setForm((f) => ({ ...f, [key]: value, preset: key === 'name' || key === 'dataset' ? f.preset : null }));

  const chooseMethod = (name: string) =>
    setForm((f) => ({
      ...f,
      method: name,
      methodParams: methodDefaults(methods, name),
      monitorOn: methodMonitor(methods, name) !== 'none',
      monitorCertify: 'auto',
      monitorEps: '',
      esMetric: f.esMetric === 'certified' && methodMonitor(methods, name) !== 'certified' ? 'clean' : f.esMetric,
      keepBest: f.keepBest === 'certified' && methodMonitor(methods, name) !== 'certified' ? 'last' : f.keepBest,
      preset: null,
    }));

  const dataset = trainable.find((d) => d.id === form.dataset);
  const trainCount = dataset?.splits.train?.count;
  const testCount = dataset?.splits.test?.count;
  const method = methods.find((m) => m.name === form.method);
  const initModel = models.find((m) => m.id === form.initModel);
  const summary = trainSummary(form, dataset, methods, initModel);

  const submit = async () => {
    if (method) {
      const bad = validateParams(method.params, form.methodParams);
      if (bad) {
        setProblem(`${method.title}: ${bad}`);
        return;
      }
    }
    // The same rule core applies at submit (src/shared/methods.ts).
    const { problem: selectionProblem } = epochSelection(form.earlyStop ? form.esMetric : undefined, form.keepBest, formMeasures(form, methods));
    if (selectionProblem) {
      setProblem(selectionProblem);
      setAdvanced((a) => [...new Set([...a, 'more'])]);
      return;
    }
    const spec = buildSpec(form, datasets, methods);
    const parsed = TrainSpecSchema.safeParse(spec);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[issue.path.length - 1];
      const label = typeof field === 'string' ? FIELD_NAMES[field] : undefined;
      setProblem(`${label ? `${label}: ` : ''}${issue?.message ?? 'check the form.'}`);
      setAdvanced(['advanced', 'more']);
      return;
    }
    if (form.limit !== '' && trainCount !== undefined && form.limit > trainCount) {
      setProblem(`Training images: this dataset has only ${formatInt(trainCount)} training images.`);
      setAdvanced((a) => [...new Set([...a, 'advanced'])]);
      return;
    }
    setProblem(null);
    setBusy(true);
    try {
      const run = await lab.submitTrain(spec);
      navigate(['train'], { run: run.id });
    } catch (err) {
      notifyError('Could not start training', err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="lg">
      <PresetsSection form={form} setForm={setForm} archs={archs} methods={methods} />

      <section aria-labelledby="settings-title">
        <Title order={2} size="h4" id="settings-title" mb="xs">
          2. Check the settings
        </Title>
        <Stack gap="md">
          <BasicsFields form={form} set={set} chooseMethod={chooseMethod} trainable={trainable} archs={archs} methods={methods} initModel={initModel} />
          {method && <MethodCard form={form} setForm={setForm} method={method} />}
          <MonitorPanel form={form} set={set} certifiable={archs.filter((a) => a.certifiable).map((a) => a.name)} />
          <Accordion variant="contained" multiple value={advanced} onChange={setAdvanced}>
            <AdvancedSettings form={form} set={set} setForm={setForm} trainCount={trainCount} testCount={testCount} />
            <MoreSettings form={form} set={set} setForm={setForm} models={models} dataset={dataset} />
          </Accordion>
        </Stack>
      </section>

      <SubmitSection
        title="3. Start"
        testId="train"
        buttonLabel="Start training"
        buttonTestId="start-training"
        hint="Runs in the background; you can leave this page and follow it on the Runs page."
        summary={summary}
        problem={problem}
        busy={busy}
        onSubmit={submit}
      />
      <SweepSection spec={buildSpec(form, datasets, methods)} />
    </Stack>
  );
}
