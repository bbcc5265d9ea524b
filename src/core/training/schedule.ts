/**
 * Learning-rate schedules, as a function of the global step (0-based) so a cosine schedule is
 * smooth within epochs; 'step' decays by gamma every stepEpochs epochs. An optional linear
 * warm-up scales the first warmupEpochs·stepsPerEpoch steps.
 */
import type { ScheduleSpec } from '../../shared/schemas';

export function learningRate(
  schedule: ScheduleSpec,
  baseLr: number,
  step: number,
  stepsPerEpoch: number,
  totalSteps: number,
  warmupEpochs = 0,
): number {
  const base = scheduled(schedule, baseLr, step, stepsPerEpoch, totalSteps);
  // Linear warm-up: step s (0-based) of W warm-up steps runs at (s + 1)/W of the scheduled rate.
  const warm = Math.round(warmupEpochs * stepsPerEpoch);
  return warm > 0 && step < warm ? (base * (step + 1)) / warm : base;
}

function scheduled(schedule: ScheduleSpec, baseLr: number, step: number, stepsPerEpoch: number, totalSteps: number): number {
  switch (schedule.name) {
    case 'constant':
      return baseLr;
    case 'step': {
      const epoch = Math.floor(step / stepsPerEpoch);
      return baseLr * schedule.gamma ** Math.floor(epoch / schedule.stepEpochs);
    }
    case 'cosine': {
      const t = totalSteps <= 1 ? 0 : Math.min(1, step / (totalSteps - 1));
      return schedule.minLr + ((baseLr - schedule.minLr) * (1 + Math.cos(Math.PI * t))) / 2;
    }
  }
}
