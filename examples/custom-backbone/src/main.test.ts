import { rm } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { runCustomBackbone } from "./main.js";

describe("custom-backbone example", () => {
  it("trains a user model with a custom layer through fromModel, saves and reloads it identically", async () => {
    const result = await runCustomBackbone({ examples: 256, epochs: 2, batchSize: 64, backend: "wasm", testExamples: 256 });
    expect(result.losses).toHaveLength(2);
    expect(result.losses.every(Number.isFinite)).toBe(true);
    expect(result.maxDifference).toBe(0);
    for (const accuracy of [result.knnAccuracy, result.untrainedKnnAccuracy]) expect(accuracy).toBeGreaterThan(0.1); // 10 classes: chance is 0.1

    await rm(result.outputDir, { recursive: true, force: true });
  });
});
