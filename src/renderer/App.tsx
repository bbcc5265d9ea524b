/** The shell: header with theme toggle, navigation, the routed page, and the status bar. */
import {
  ActionIcon,
  AppShell,
  Burger,
  Group,
  Loader,
  NavLink,
  Text,
  Tooltip,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { lazy, Suspense, useEffect, useRef } from 'react';
import { lab } from './api/client';
import { StatusBar } from './components/StatusBar';
import { QuickTourFollower, showWelcome } from './components/help/Welcome';
import { useLabEvents } from './lib/hooks';
import { href, useRoute } from './lib/route';
import { DatasetsPage } from './pages/DatasetsPage';
// Every page but the first one (Datasets) is its own chunk, loaded when it is opened (#12).
const ComparePage = lazy(() => import('./pages/ComparePage').then((m) => ({ default: m.ComparePage })));
const CorruptionsPage = lazy(() => import('./pages/CorruptionsPage').then((m) => ({ default: m.CorruptionsPage })));
const EvaluatePage = lazy(() => import('./pages/EvaluatePage').then((m) => ({ default: m.EvaluatePage })));
const ModelsPage = lazy(() => import('./pages/ModelsPage').then((m) => ({ default: m.ModelsPage })));
const PatchingPage = lazy(() => import('./pages/PatchingPage').then((m) => ({ default: m.PatchingPage })));
const RunPage = lazy(() => import('./pages/RunPage').then((m) => ({ default: m.RunPage })));
const RunsPage = lazy(() => import('./pages/RunsPage').then((m) => ({ default: m.RunsPage })));
const TrainPage = lazy(() => import('./pages/TrainPage').then((m) => ({ default: m.TrainPage })));
const SweepsPage = lazy(() => import('./pages/SweepsPage').then((m) => ({ default: m.SweepsPage })));

const NAV = [
  { key: 'datasets', label: 'Datasets', hint: 'Images to learn from and test on' },
  { key: 'corruptions', label: 'Corruptions', hint: 'Corrupt a dataset; robustness benchmark' },
  { key: 'train', label: 'Train', hint: 'Teach a network' },
  { key: 'runs', label: 'Runs', hint: 'Everything you have run' },
  { key: 'compare', label: 'Compare', hint: 'Runs side by side' },
  { key: 'sweeps', label: 'Sweeps', hint: 'Groups of runs over several values' },
  { key: 'evaluate', label: 'Evaluate', hint: 'Attack a model and measure it' },
  { key: 'models', label: 'Models', hint: 'Trained and imported weights' },
  { key: 'patching', label: 'Patching', hint: 'Robustness as a small weight patch' },
] as const;

function SunIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden>
      <circle cx="12" cy="12" r="4" />
      <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
    </svg>
  );
}

function MoonIcon() {
  return (
    <svg width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" aria-hidden>
      <path d="M21 12.8A9 9 0 1 1 11.2 3a7 7 0 0 0 9.8 9.8z" />
    </svg>
  );
}

function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light');
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <Tooltip label={`Switch to ${next} theme`} withArrow>
      <ActionIcon
        variant="default"
        size="lg"
        onClick={() => setColorScheme(next)}
        aria-label={`Switch to ${next} theme`}
        data-testid="theme-toggle"
      >
        {computed === 'dark' ? <SunIcon /> : <MoonIcon />}
      </ActionIcon>
    </Tooltip>
  );
}

/** Tells the person when a run they are not looking at finishes or fails. */
function RunNotifier() {
  useLabEvents((e) => {
    if (e.type !== 'run') return;
    if (e.status === 'failed') {
      notifications.show({
        id: `run-${e.runId}-failed`,
        color: 'red',
        title: 'A run failed',
        message: e.error ?? 'Open it on the Runs page to see why.',
        autoClose: 10_000,
      });
    }
  });
  return null;
}

function Page() {
  const route = useRoute();
  const [section, id] = route.parts;
  const q = route.query;
  switch (section) {
    case 'train':
      return <TrainPage runId={q.get('run') ?? undefined} datasetParam={q.get('dataset') ?? undefined} cloneFrom={q.get('clone') ?? undefined} />;
    case 'runs':
      return id ? <RunPage key={id} runId={id} /> : <RunsPage />;
    case 'evaluate':
      return (
        <EvaluatePage
          modelParam={q.get('model') ?? undefined}
          datasetParam={q.get('dataset') ?? undefined}
          runId={q.get('run') ?? undefined}
          cloneFrom={q.get('clone') ?? undefined}
        />
      );
    case 'sweeps':
      return <SweepsPage key={id ?? ''} sweepId={id} />;
    case 'compare':
      return <ComparePage />;
    case 'patching':
      return <PatchingPage tab={q.get('tab') ?? undefined} />;
    case 'models':
      return <ModelsPage />;
    case 'corruptions':
      return <CorruptionsPage datasetParam={q.get('dataset') ?? undefined} tab={q.get('tab') ?? undefined} />;
    case 'datasets':
    default:
      return <DatasetsPage selectedId={section === 'datasets' ? id : undefined} />;
  }
}

export function App() {
  const [opened, { toggle, close }] = useDisclosure();
  const route = useRoute();
  const section = route.parts[0] ?? 'datasets';
  const mainRef = useRef<HTMLElement>(null);

  // Move focus to the page after navigation, for keyboard and screen-reader users.
  const lastSection = useRef(section);
  useEffect(() => {
    if (lastSection.current !== section) {
      lastSection.current = section;
      close();
      mainRef.current?.focus({ preventScroll: true });
      window.scrollTo(0, 0);
    }
  }, [section, close]);

  useEffect(() => {
    const item = NAV.find((n) => n.key === section);
    document.title = item ? `${item.label} — Robustness Lab` : 'Robustness Lab';
  }, [section]);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 210, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      footer={{ height: 32 }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Show navigation" />
            <Text fw={700} size="lg" style={{ whiteSpace: 'nowrap' }} component="span">
              Robustness Lab
            </Text>
            {lab.mode === 'web' && (
              <Text size="xs" c="dimmed" visibleFrom="sm">
                web
              </Text>
            )}
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Tooltip label="What to do first, and the quick tour" withArrow>
              <ActionIcon variant="default" size="lg" onClick={showWelcome} aria-label="Help: getting started" data-testid="help-button">
                <Text fw={700} component="span" aria-hidden>
                  ?
                </Text>
              </ActionIcon>
            </Tooltip>
            <ThemeToggle />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Sections">
        {NAV.map((n) => (
          <NavLink
            key={n.key}
            href={href([n.key])}
            label={n.label}
            description={n.hint}
            active={section === n.key || (n.key === 'datasets' && !NAV.some((x) => x.key === section))}
            aria-current={section === n.key ? 'page' : undefined}
            data-testid={`nav-${n.key}`}
            onClick={close}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main ref={mainRef} tabIndex={-1} style={{ outline: 'none' }}>
        <div style={{ maxWidth: 1400 }}>
          <Suspense fallback={<Loader size="sm" aria-label="Loading the page" m="md" />}>
            <Page />
          </Suspense>
        </div>
      </AppShell.Main>
      <AppShell.Footer aria-label="Status" data-testid="status-bar">
        <StatusBar />
      </AppShell.Footer>
      <RunNotifier />
      <QuickTourFollower />
    </AppShell>
  );
}
