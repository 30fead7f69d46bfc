import { ContrastiveError, describeValue } from "@contrastive/core";

/**
 * A value per optimisation step: `schedule(step)` for step = 0, 1, 2, … (the number of updates made
 * before this one). Learning rates and EMA momenta take one; a plain number is a constant.
 */
export type Schedule = (step: number) => number;

/** A number, or a {@link Schedule}. */
export type ScheduleLike = number | Schedule;

function check(component: string, argument: string, value: unknown, expected: string, valid: boolean): void {
  if (!valid) throw new ContrastiveError({ component, argument, received: describeValue(value), expected });
}

const finite = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);
const count = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

/** The value of `schedule` at `step`: a number is constant. */
export function valueAt(schedule: ScheduleLike, step: number): number {
  return typeof schedule === "number" ? schedule : schedule(step);
}

/**
 * A constant value.
 *
 * @example
 * const lr = constantSchedule(1e-3); // lr(0) === lr(10_000) === 1e-3
 */
export function constantSchedule(value: number): Schedule {
  check("constantSchedule", "value", value, "a finite number", finite(value));
  return () => value;
}

/** Options of {@link warmupCosineSchedule}. */
export interface WarmupCosineOptions {
  /** The value reached at the end of the warm-up, where the cosine starts. */
  peak: number;
  /** Steps of linear warm-up from `start` to `peak`; default 0. */
  warmupSteps?: number;
  /** All steps of training; the cosine reaches `final` at this step and stays there. */
  totalSteps: number;
  /** Value at step 0 of the warm-up; default 0. */
  start?: number;
  /** Value at the end; default 0. */
  final?: number;
}

/**
 * Linear warm-up then cosine decay (Loshchilov & Hutter 2017, "SGDR"; with warm-up as in Goyal et al.
 * 2017 and SimCLR): for s < w, start + (peak − start)·s / w; then
 * final + (peak − final)·(1 + cos(π·(s − w) / (T − w))) / 2, and `final` from T on.
 * Equal to solo-learn's `LinearWarmupCosineAnnealingLR` stepped per step (warm-up from `start`).
 *
 * @throws {ContrastiveError} when the numbers are not finite or `warmupSteps` > `totalSteps`.
 * @example
 * const lr = warmupCosineSchedule({ peak: 0.3, warmupSteps: 500, totalSteps: 10_000 });
 */
export function warmupCosineSchedule(options: WarmupCosineOptions): Schedule {
  const { peak, warmupSteps = 0, totalSteps, start = 0, final = 0 } = options;
  const component = "warmupCosineSchedule";
  for (const [name, value] of Object.entries({ peak, start, final })) check(component, name, value, "a finite number", finite(value));
  check(component, "totalSteps", totalSteps, "an integer ≥ 1", count(totalSteps) && totalSteps >= 1);
  check(component, "warmupSteps", warmupSteps, `an integer in [0, totalSteps = ${totalSteps}]`, count(warmupSteps) && warmupSteps <= totalSteps);
  return (step) => {
    if (step < warmupSteps) return start + ((peak - start) * step) / warmupSteps;
    if (step >= totalSteps) return final;
    const progress = (step - warmupSteps) / (totalSteps - warmupSteps);
    return final + ((peak - final) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}

/** Options of {@link stepSchedule}. */
export interface StepScheduleOptions {
  /** Value before the first boundary. */
  initial: number;
  /** Steps, increasing, at which the value is multiplied by `factor`. */
  boundaries: readonly number[];
  /** Multiplier at each boundary; default 0.1. */
  factor?: number;
}

/**
 * Piecewise constant decay (PyTorch's `MultiStepLR` stepped per step): `initial · factor^k` where k is
 * the number of boundaries ≤ step.
 *
 * @throws {ContrastiveError} when the boundaries are not increasing integers ≥ 1.
 * @example
 * const lr = stepSchedule({ initial: 0.1, boundaries: [30_000, 40_000] }); // 0.1, 0.01, 0.001
 */
export function stepSchedule(options: StepScheduleOptions): Schedule {
  const { initial, boundaries, factor = 0.1 } = options;
  check("stepSchedule", "initial", initial, "a finite number", finite(initial));
  check("stepSchedule", "factor", factor, "a finite number", finite(factor));
  const increasing = Array.isArray(boundaries) && boundaries.every((b, i) => count(b) && b >= 1 && (i === 0 || b > (boundaries[i - 1] as number)));
  check("stepSchedule", "boundaries", boundaries, "increasing integers ≥ 1, e.g. [30000, 40000]", increasing);
  return (step) => initial * factor ** boundaries.filter((b) => b <= step).length;
}

/** Options of {@link cosineMomentumSchedule}. */
export interface CosineMomentumOptions {
  /** τ at step 0; default 0.99 (BYOL's base). */
  base?: number;
  /** τ at the last step; default 1. */
  final?: number;
  /** All steps of training. */
  totalSteps: number;
}

/**
 * BYOL's target momentum (Grill et al. 2020, §3.2): τ = final − (final − base)·(cos(π·s / T) + 1) / 2,
 * from `base` at step 0 to `final` at step T (and after). For `momentumEncoder({ momentum })`.
 *
 * @example
 * const momentum = cosineMomentumSchedule({ base: 0.99, totalSteps: epochs * sampler.batchesPerEpoch() });
 */
export function cosineMomentumSchedule(options: CosineMomentumOptions): Schedule {
  const { base = 0.99, final = 1, totalSteps } = options;
  const unit = (value: unknown) => finite(value) && value >= 0 && value <= 1;
  check("cosineMomentumSchedule", "base", base, "a number in [0, 1], e.g. 0.99", unit(base));
  check("cosineMomentumSchedule", "final", final, "a number in [0, 1], e.g. 1", unit(final));
  check("cosineMomentumSchedule", "totalSteps", totalSteps, "an integer ≥ 1", count(totalSteps) && totalSteps >= 1);
  return (step) => final - ((final - base) * (Math.cos((Math.PI * Math.min(step, totalSteps)) / totalSteps) + 1)) / 2;
}
