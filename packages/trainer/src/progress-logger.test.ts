import { describe, expect, it } from "vitest";
import { progressLogger } from "./progress-logger.js";

describe("progressLogger", () => {
  it("speaks at the first step at once, then every `every` steps or `seconds` seconds, and at the epoch's end", async () => {
    const lines: string[] = [];
    let clock = 0;
    const logger = progressLogger({ every: 4, seconds: 10, write: (line) => lines.push(line), now: () => clock });
    await logger.onTrainBegin!({ epochs: 1, stepsPerEpoch: 10 });
    await logger.onEpochBegin!(0);
    const steps: number[] = [];
    for (let step = 0; step < 10; step++) {
      clock += step === 5 ? 11_000 : 1_000; // step 5 (the 6th) comes 11 s after step 4
      const before = lines.length;
      await logger.onStepEnd!({ epoch: 0, step, stepsPerEpoch: 10, loss: step, examples: 32 * (step + 1), seconds: clock / 1000, dataWaitMs: 250 });
      if (lines.length > before) steps.push(step);
    }
    expect(steps).toEqual([0, 3, 5, 7, 9]); // first at once; 4 and 8 steps; step 5 by time; the last
    // step 0: one loss (0), 32 images in 1 s, 9 steps of 1 s left, 250 ms of 1 s waiting
    expect(lines[0]).toBe("epoch 1/1  step 1/10  loss 0.0000  32.0 img/s (25 % waiting for data)  9 s left in epoch");
    expect(lines[1]).toMatch(/^epoch 1\/1  step 4\/10  loss 2\.0000 /); // mean of 1, 2, 3
    await logger.onEpochEnd!({ epoch: 0, meanLoss: 4.5, steps: 10, examples: 320, seconds: 20, examplesPerSecond: 16 });
    expect(lines.at(-1)).toBe("epoch 1/1 done: mean loss 4.5000, 20.0 s, 16.0 img/s");
  });
});
