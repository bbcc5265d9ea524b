/**
 * The Evaluate form: holds the form state and the submit rules, and composes the sections
 * (target, presets, eps, custom attack, more settings, run), the live runs and the model's history.
 */
import { Button, Group, NativeSelect, NumberInput, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { lab } from '../../api/client';
import { NO_ATTACK } from '../../../shared/constants';
import { modelFitProblem } from '../../../shared/model-fit';
import { EvalSpecSchema, type ArchitectureInfo, type DatasetInfo, type EvalSpec, type EvalSpecInput, type ModelInfo, type RegistryEntry } from '../../../shared/schemas';
import { defaultParams, validateParams, type ParamValues } from '../ParamForm';
import { findKey } from '../../lib/evalText';
import { formatInt } from '../../lib/format';
import { datasetRef, findDataset, findModel, modelRef } from '../../lib/names';
import { notifyError } from '../../lib/notify';
import { formatEps, parseGrid } from '../../lib/reportText';
import { navigate } from '../../lib/route';
import { CustomAttack } from './CustomAttack';
import { EpsPicker } from './EpsPicker';
import { MissingLink } from '../help/LinkNotice';
import { EvalPresets } from './EvalPresets';
import { EvalRuns } from './EvalRuns';
import { ModelEvaluations } from './ModelEvaluations';
import { MoreEvalSettings } from './MoreEvalSettings';
import { SubmitSection } from '../SubmitSection';
import { SweepSection } from '../sweeps/SweepSection';
import { TargetSection } from './TargetSection';
import { epsLimits, epsProblem, evalSummary, presetJobs, PRESETS, toNum, withEps, type Preset, type PresetId } from './evalForm';

export function EvalForm({
  models,
  datasets,
  attacks,
  archs,
  modelParam,
  datasetParam,
  runIds,
  clone,
}: {
  /** An earlier evaluation to start from (Clone on its run page): every setting is copied. */
  clone?: { spec: EvalSpec; name: string };
  models: ModelInfo[];
  datasets: DatasetInfo[];
  attacks: RegistryEntry[];
  archs: ArchitectureInfo[];
  modelParam?: string;
  datasetParam?: string;
  runIds: string[];
}) {
  // The attack registry lists `none` (clean accuracy only) first.
  const entries = attacks;
  const entryOf = (name: string) => entries.find((e) => e.name === name);
  const sortedModels = useMemo(() => [...models].sort((a, b) => b.createdAt.localeCompare(a.createdAt)), [models]);

  const c = clone?.spec;
  const [modelId, setModelId] = useState(() => (findModel(models, c?.model ?? modelParam) ?? sortedModels[0])?.id ?? '');
  const model = models.find((m) => m.id === modelId);
  const [datasetId, setDatasetId] = useState(
    () => (findDataset(datasets, c?.dataset ?? datasetParam) ?? findDataset(datasets, model?.datasetId) ?? datasets[0])?.id ?? '',
  );
  const dataset = datasets.find((d) => d.id === datasetId);
  const splits = (['test', 'train'] as const).filter((s) => dataset?.splits[s]);
  const [split, setSplit] = useState<'test' | 'train'>(c?.split ?? 'test');
  const effectiveSplit = splits.includes(split) ? split : (splits[0] ?? 'test');
  const splitCount = dataset?.splits[effectiveSplit]?.count;

  const available = (p: Preset) => p.needs.every((n) => entries.some((e) => e.name === n));
  const [preset, setPreset] = useState<PresetId>(() => {
    if (c) return c.certify ? 'certified' : c.attack.name === NO_ATTACK ? 'clean' : 'custom';
    return PRESETS.find((p) => p.id === 'quick' && available(p)) ? 'quick' : 'clean';
  });
  const presetInfo = PRESETS.find((p) => p.id === preset)!;

  // The size of change (eps), shared by the presets. Colour images: 8/255, grey ones: 0.1.
  const [epsChoice, setEpsChoice] = useState<string>(() => (c?.certify && c.eps !== undefined ? 'other' : (dataset?.channels ?? 1) >= 3 ? String(8 / 255) : '0.1'));
  const [epsOther, setEpsOther] = useState<number | ''>(c?.certify && c.eps !== undefined ? c.eps : 0.05);
  const eps = epsChoice === 'other' ? (epsOther === '' ? undefined : epsOther) : Number(epsChoice);
  const [certMethod, setCertMethod] = useState<'ibp' | 'crown'>(c?.certify ?? 'ibp');

  // Custom: any attack with its generated form and an optional eps grid.
  const [attackName, setAttackName] = useState(() => (c && entryOf(c.attack.name) ? c.attack.name : entries.some((e) => e.name === 'pgd') ? 'pgd' : NO_ATTACK));
  const entry = entryOf(attackName) ?? entries[0]!;
  const [params, setParams] = useState<ParamValues>(() => (c && c.attack.name === entry.name ? withEps(entry, undefined, c.attack.params as ParamValues) : withEps(entry, 0.1)));
  const [gridText, setGridText] = useState(c?.epsGrid ? c.epsGrid.map(formatEps).join(', ') : '');

  const [limit, setLimit] = useState<number | ''>(c ? (c.limit ?? '') : presetInfo.limit);
  const [limitTouched, setLimitTouched] = useState(!!c);
  const [batchSize, setBatchSize] = useState<number | ''>(c?.batchSize ?? 200);
  const [seed, setSeed] = useState<number | ''>(c?.seed ?? 0);
  const [gallery, setGallery] = useState<number | ''>(c?.gallery ?? 8);
  const [checks, setChecks] = useState(c?.checks ?? { masking: true, unbounded: false, blackBox: false });
  const [name, setName] = useState(clone ? `${clone.name} (copy)` : '');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // A link or address that names a model or dataset selects it (also when the address changes
  // while the page is open); one that names nothing in this lab says so above the form.
  const linkedModel = findModel(models, modelParam);
  const linkedDataset = findDataset(datasets, datasetParam);
  useEffect(() => {
    if (linkedModel) setModelId(linkedModel.id);
  }, [linkedModel?.id]);
  useEffect(() => {
    if (linkedDataset) setDatasetId(linkedDataset.id);
  }, [linkedDataset?.id]);

  // When the person picks another model, follow it to the dataset it was trained on (the first
  // choice was made above: a clone keeps the dataset the evaluation used).
  const shownModel = useRef(modelId);
  useEffect(() => {
    if (shownModel.current === modelId) return;
    shownModel.current = modelId;
    const d = findDataset(datasets, model?.datasetId);
    if (d && !datasetParam) setDatasetId(d.id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [modelId]);

  const choosePreset = (p: Preset) => {
    if (!available(p)) return;
    setPreset(p.id);
    setProblem(null);
    if (!limitTouched) setLimit(p.limit);
  };

  /** Copies what a preset would run into the Custom form. */
  const customize = () => {
    const last = jobs[jobs.length - 1];
    if (last && last.spec.attack && last.spec.attack.name !== NO_ATTACK) {
      const e = entryOf(last.spec.attack.name);
      if (e) {
        setAttackName(e.name);
        setParams(withEps(e, undefined, last.spec.attack.params as ParamValues));
      }
      setGridText(last.spec.epsGrid ? last.spec.epsGrid.map(formatEps).join(', ') : '');
    }
    setPreset('custom');
  };

  const chooseAttack = (n: string) => {
    const e = entryOf(n) ?? entries[0]!;
    setAttackName(e.name);
    const epsKey = findKey(params, ['eps', 'epsilon']);
    const keep = epsKey && typeof params[epsKey] === 'number' ? (params[epsKey] as number) : undefined;
    const next = defaultParams(e.params);
    const nextEps = findKey(next, ['eps', 'epsilon']);
    // Keep the eps the person set when the new attack measures in the same unit (both L∞ within 0–1).
    const d = e.params.find((p) => p.key === nextEps);
    if (nextEps && keep !== undefined && keep > 0 && (d?.max ?? 1) <= 1) next[nextEps] = keep;
    setParams(next);
  };

  // The same rule core applies at submit (src/shared/model-fit.ts).
  const mismatch = model && dataset ? modelFitProblem(model, dataset) !== null : false;
  const certifiableNames = archs.filter((a) => a.certifiable).map((a) => a.name);
  const certifiable = !model || certifiableNames.includes(model.arch);

  const customEpsKey = findKey(params, ['eps', 'epsilon']);
  // The per-pixel explanation only fits L∞ attacks (an L2 eps is the length of the whole change).
  const customL2 = params.norm === 'l2' || /l2/i.test(entry.params.find((p) => p.key === customEpsKey)?.label ?? '');
  const customEps = customEpsKey && !customL2 ? params[customEpsKey] : undefined;
  const parsedGrid = parseGrid(gridText);

  const epsErr = epsProblem(eps, epsLimits(entries));
  const jobInputs = { preset, eps, certMethod, entries, entry, params, grid: parsedGrid.grid };
  const jobs = presetJobs(jobInputs);
  const images =
    limit === '' ? `all ${splitCount !== undefined ? formatInt(splitCount) : ''} ${effectiveSplit} images` : `the first ${formatInt(limit)} ${effectiveSplit} images`;
  const summary = evalSummary({ ...jobInputs, images });

  const submit = async () => {
    if (!model || !dataset) {
      setProblem('Choose a model and a dataset.');
      return;
    }
    if (presetInfo.usesEps && epsErr) {
      setProblem(`Size of change (eps): ${epsErr}`);
      return;
    }
    if (preset === 'custom') {
      const bad = validateParams(entry.params, params);
      if (bad) {
        setProblem(bad);
        return;
      }
      if (parsedGrid.error) {
        setProblem(parsedGrid.error);
        return;
      }
    }
    if (limit !== '' && splitCount !== undefined && limit > splitCount) {
      setProblem(`Images (limit): this split has only ${formatInt(splitCount)} images.`);
      return;
    }
    if (jobs.length === 0) {
      setProblem('This preset needs attacks this lab does not have; choose another.');
      return;
    }
    const specs: EvalSpecInput[] = [];
    for (const job of jobs) {
      const spec: EvalSpecInput = {
        ...job.spec,
        name: name.trim() ? (jobs.length > 1 ? `${name.trim()} (${job.label})` : name.trim()) : undefined,
        model: modelRef(models, model.id),
        dataset: datasetRef(datasets, dataset.id),
        split: effectiveSplit,
        limit: limit === '' ? undefined : limit,
        batchSize: batchSize === '' ? undefined : batchSize,
        seed: seed === '' ? undefined : seed,
        gallery: gallery === '' ? undefined : gallery,
        checks,
      };
      const parsed = EvalSpecSchema.safeParse(spec);
      if (!parsed.success) {
        setProblem(parsed.error.issues[0]?.message ?? 'Check the form.');
        return;
      }
      specs.push(spec);
    }
    setProblem(null);
    setBusy(true);
    const ids: string[] = [];
    try {
      for (const spec of specs) ids.push((await lab.submitEval(spec)).id);
    } catch (err) {
      notifyError('Could not start the evaluation', err);
    } finally {
      setBusy(false);
    }
    if (ids.length) navigate(['evaluate'], { model: model.id, dataset: dataset.id, run: ids.join(',') });
  };

  return (
    <Stack gap="lg">
      {modelParam && !linkedModel && <MissingLink kind="model" name={modelParam} showing={model?.name} />}
      {datasetParam && !linkedDataset && <MissingLink kind="dataset" name={datasetParam} showing={dataset?.name} />}
      <TargetSection
        model={model}
        dataset={dataset}
        modelId={modelId}
        datasetId={datasetId}
        sortedModels={sortedModels}
        datasets={datasets}
        mismatch={mismatch}
        setModelId={setModelId}
        setDatasetId={setDatasetId}
      />

      <section aria-labelledby="how-title">
        <Title order={2} size="h4" id="how-title" mb="xs">
          2. How to test it
        </Title>
        <EvalPresets preset={preset} model={model} certifiable={certifiable} certifiableNames={certifiableNames} available={available} choosePreset={choosePreset} />

        <Stack gap="sm">
          {presetInfo.usesEps && <EpsPicker eps={eps} error={epsErr} epsChoice={epsChoice} setEpsChoice={setEpsChoice} epsOther={epsOther} setEpsOther={setEpsOther} />}

          {preset === 'certified' && (
            <NativeSelect
              label="Bound method"
              description="IBP is fast and loose; CROWN is tighter (proves more images) and slower."
              value={certMethod}
              onChange={(e) => setCertMethod(e.currentTarget.value as 'ibp' | 'crown')}
              data={[
                { value: 'ibp', label: 'IBP (interval bounds)' },
                { value: 'crown', label: 'CROWN (linear bounds)' },
              ]}
              data-testid="eval-certify"
            />
          )}

          {preset === 'custom' && (
            <CustomAttack
              entries={entries}
              entry={entry}
              attackName={attackName}
              chooseAttack={chooseAttack}
              params={params}
              setParams={setParams}
              customEps={customEps}
              gridText={gridText}
              setGridText={setGridText}
              gridError={parsedGrid.error}
            />
          )}

          {preset !== 'custom' && preset !== 'clean' && preset !== 'certified' && (
            <Group gap="xs">
              <Button variant="subtle" size="compact-sm" onClick={customize} data-testid="eval-customize">
                Customize this preset…
              </Button>
              <Text size="xs" c="dimmed">
                Opens the attack and all its settings.
              </Text>
            </Group>
          )}

          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
            <NumberInput
              label="Images (limit)"
              description={`Use only the first K images; fewer is faster. 1 to ${splitCount !== undefined ? formatInt(splitCount) : '…'}; empty: all.`}
              value={limit}
              onChange={(v) => {
                setLimit(toNum(v));
                setLimitTouched(true);
              }}
              min={1}
              max={splitCount}
              allowDecimal={false}
              placeholder="all"
              data-testid="eval-limit"
            />
            {splits.length > 1 && (
              <NativeSelect
                label="Split"
                description="Test images are the fair choice: the model never trained on them."
                value={effectiveSplit}
                onChange={(e) => setSplit(e.currentTarget.value as 'test' | 'train')}
                data={splits.map((s) => ({ value: s, label: s === 'test' ? 'Test images' : 'Training images' }))}
              />
            )}
          </SimpleGrid>
          <MoreEvalSettings
            checks={checks}
            setChecks={setChecks}
            gallery={gallery}
            setGallery={setGallery}
            batchSize={batchSize}
            setBatchSize={setBatchSize}
            seed={seed}
            setSeed={setSeed}
            name={name}
            setName={setName}
          />
        </Stack>
      </section>

      <SubmitSection
        title="3. Run"
        testId="eval"
        buttonLabel="Run evaluation"
        buttonTestId="start-eval"
        hint="Runs in the background; the report appears below when it is done."
        summary={summary}
        problem={problem}
        busy={busy}
        disabled={!model || !dataset}
        onSubmit={submit}
      />
      {model && dataset && jobs.length === 1 && (
        <SweepSection
          spec={{
            ...jobs[0]!.spec,
            kind: 'eval',
            model: modelRef(models, model.id),
            dataset: datasetRef(datasets, dataset.id),
            split: effectiveSplit,
            ...(limit === '' ? {} : { limit }),
            checks,
          }}
        />
      )}

      {runIds.length > 0 && <EvalRuns runIds={runIds} />}
      {model && <ModelEvaluations modelId={model.id} datasets={datasets} attacks={entries} runKey={runIds.join(',')} />}
    </Stack>
  );
}
