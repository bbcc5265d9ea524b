/**
 * Patching: robust weight signatures (Cai, Zhang, Wang, ICML 2023). Build a family of models
 * fine-tuned from one base, extract the robust update of the shallow layers as a small signature,
 * and add it to other models (α-scaled, combined, removable), with instant estimates and α sweeps.
 */
import { Alert, Tabs } from '@mantine/core';
import { lab } from '../api/client';
import { ExtractPanel } from '../components/patching/ExtractPanel';
import { FamilyForm } from '../components/patching/FamilyForm';
import { PatchComposer } from '../components/patching/PatchComposer';
import { SignatureLibrary } from '../components/patching/SignatureLibrary';
import { SweepPanel } from '../components/patching/SweepPanel';
import { TransferPanel } from '../components/patching/TransferPanel';
import { PageHeader } from '../components/PageHeader';
import { useLoad } from '../lib/hooks';
import { navigate } from '../lib/route';

const TABS = ['family', 'extract', 'library', 'patch', 'sweep', 'transfer'] as const;

export function PatchingPage({ tab }: { tab?: string }) {
  const models = useLoad(() => lab.listModels({}), []);
  const datasets = useLoad(() => lab.listDatasets({}), []);
  const corruptions = useLoad(() => lab.listCorruptions({}), []);
  const signatures = useLoad(() => lab.listSignatures({}), []);
  const current = (TABS as readonly string[]).includes(tab ?? '') ? tab! : 'family';
  const error = models.error ?? datasets.error ?? corruptions.error ?? signatures.error;
  const reload = () => {
    signatures.reload();
    models.reload();
  };
  return (
    <>
      <PageHeader
        title="Patching"
        subtitle="Make a model robust by adding a small weight patch: fine-tune a family from one base model, extract each robust model’s signature from its shallow layers, then add signatures to other models — scaled by α, combined, and removable."
      />
      {error && (
        <Alert color="red" title="Could not load the patching studio" mb="md">
          {error.message}
        </Alert>
      )}
      <Tabs value={current} onChange={(v) => navigate(['patching'], { tab: v ?? 'family' })} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="family" data-testid="tab-family">1. Build a family</Tabs.Tab>
          <Tabs.Tab value="extract" data-testid="tab-extract">2. Extract</Tabs.Tab>
          <Tabs.Tab value="library" data-testid="tab-library">Signature library</Tabs.Tab>
          <Tabs.Tab value="patch" data-testid="tab-patch">3. Patch</Tabs.Tab>
          <Tabs.Tab value="sweep" data-testid="tab-sweep">4. α sweep</Tabs.Tab>
          <Tabs.Tab value="transfer" data-testid="tab-transfer">Transfer check</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="family">
          <FamilyForm models={models.data ?? []} datasets={datasets.data ?? []} corruptions={corruptions.data ?? []} />
        </Tabs.Panel>
        <Tabs.Panel value="extract">
          <ExtractPanel models={models.data ?? []} onExtracted={reload} />
        </Tabs.Panel>
        <Tabs.Panel value="library">
          <SignatureLibrary signatures={signatures.data ?? []} models={models.data ?? []} onChange={reload} />
        </Tabs.Panel>
        <Tabs.Panel value="patch">
          <PatchComposer models={models.data ?? []} signatures={signatures.data ?? []} onSaved={reload} />
        </Tabs.Panel>
        <Tabs.Panel value="sweep">
          <SweepPanel models={models.data ?? []} signatures={signatures.data ?? []} onSaved={reload} />
        </Tabs.Panel>
        <Tabs.Panel value="transfer">
          <TransferPanel models={models.data ?? []} signatures={signatures.data ?? []} />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
