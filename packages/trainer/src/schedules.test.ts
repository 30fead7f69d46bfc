import { describe, expect, it } from "vitest";
import { constantSchedule, cosineMomentumSchedule, stepSchedule, valueAt, warmupCosineSchedule } from "./schedules.js";

describe("schedules", () => {
  it("warmupCosineSchedule: linear warm-up, cosine to final, final after the end", () => {
    const lr = warmupCosineSchedule({ peak: 1, warmupSteps: 10, totalSteps: 110, final: 0.1 });
    expect(lr(0)).toBe(0);
    expect(lr(5)).toBeCloseTo(0.5, 12);
    expect(lr(10)).toBeCloseTo(1, 12);
    expect(lr(60)).toBeCloseTo(0.1 + 0.9 * 0.5, 12); // halfway: cos(π/2) = 0
    expect(lr(35)).toBeCloseTo(0.1 + (0.9 * (1 + Math.cos(Math.PI / 4))) / 2, 12);
    expect(lr(110)).toBe(0.1);
    expect(lr(1000)).toBe(0.1);
    const noWarmup = warmupCosineSchedule({ peak: 0.3, totalSteps: 4 });
    const expected = [0.3, (0.3 * (1 + Math.SQRT1_2)) / 2, 0.15, (0.3 * (1 - Math.SQRT1_2)) / 2, 0];
    expected.forEach((value, step) => expect(noWarmup(step)).toBeCloseTo(value, 12));
    expect(warmupCosineSchedule({ peak: 1, warmupSteps: 4, totalSteps: 8, start: 0.2 })(2)).toBeCloseTo(0.6, 12);
  });

  it("stepSchedule multiplies by factor at each boundary", () => {
    const lr = stepSchedule({ initial: 0.1, boundaries: [3, 5] });
    expect([0, 2, 3, 4, 5, 100].map(lr).map((v) => Number(v.toPrecision(6)))).toEqual([0.1, 0.1, 0.01, 0.01, 0.001, 0.001]);
    expect(stepSchedule({ initial: 1, boundaries: [1], factor: 0.5 })(1)).toBe(0.5);
  });

  it("cosineMomentumSchedule is BYOL's τ: base at 0, (base + final) / 2 halfway, final at the end", () => {
    const tau = cosineMomentumSchedule({ base: 0.99, totalSteps: 100 });
    expect(tau(0)).toBeCloseTo(0.99, 12);
    expect(tau(50)).toBeCloseTo(0.995, 12);
    expect(tau(25)).toBeCloseTo(1 - (0.01 * (Math.cos(Math.PI / 4) + 1)) / 2, 12);
    expect(tau(100)).toBe(1);
    expect(tau(200)).toBe(1);
  });

  it("constants and valueAt", () => {
    expect(constantSchedule(0.3)(12345)).toBe(0.3);
    expect(valueAt(0.5, 7)).toBe(0.5);
    expect(valueAt((s) => s * 2, 7)).toBe(14);
  });

  it("rejects bad options naming the schedule and the argument", () => {
    expect(() => warmupCosineSchedule({ peak: 1, warmupSteps: 20, totalSteps: 10 })).toThrow(/^warmupCosineSchedule: warmupSteps must be an integer in \[0, totalSteps = 10\]; got 20$/);
    expect(() => warmupCosineSchedule({ peak: Number.NaN, totalSteps: 10 })).toThrow(/^warmupCosineSchedule: peak must be a finite number; got NaN$/);
    expect(() => stepSchedule({ initial: 1, boundaries: [5, 3] })).toThrow(/^stepSchedule: boundaries must be increasing integers/);
    expect(() => cosineMomentumSchedule({ base: 1.5, totalSteps: 10 })).toThrow(/^cosineMomentumSchedule: base must be a number in \[0, 1\]/);
    expect(() => constantSchedule(Infinity)).toThrow(/^constantSchedule: value must be a finite number; got Infinity$/);
  });
});
