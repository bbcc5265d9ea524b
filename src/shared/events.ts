/**
 * Lab events: progress, run status, metrics and catalog changes flow back from workers to every
 * client on one channel.
 */
import type { RunStatus } from './schemas';

export interface ProgressEvent {
  type: 'progress';
  runId: string;
  phase: string; // 'train' | 'test' | 'attack' | ...
  epoch: number; // 1-based; 0 when not applicable
  epochs: number;
  step: number; // global step done
  steps: number; // global steps total
  fraction: number; // 0..1 of the whole job
  loss?: number;
  accuracy?: number;
  imagesPerSec?: number;
  etaSeconds?: number;
  message?: string;
  /** Inside a long attack (#12): the ensemble member running, its step/query count, images done, robust share so far. */
  stage?: string;
  iteration?: number;
  iterations?: number;
  imagesDone?: number;
  robustSoFar?: number;
}

export interface RunStatusEvent {
  type: 'run';
  runId: string;
  status: RunStatus;
  error?: string | null;
}

export interface MetricEvent {
  type: 'metric';
  runId: string;
  key: string;
  step: number;
  value: number;
  time: number;
}

/** Datasets, models or runs were made, renamed or deleted (by this process or another one). */
export interface CatalogEvent {
  type: 'catalog';
}

export type LabEvent = ProgressEvent | RunStatusEvent | MetricEvent | CatalogEvent;
