/**
 * The page in Debian's Chromium, headless: it trains, and every backend computes cpu's numbers.
 * WebGL2 and WebGPU come from SwiftShader here (slow), so the training run is on wasm and the
 * webgl/webgpu check is one step of a tiny model.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPage } from "./build/build.js";
import { chromiumMissing, launchChromium, runPage } from "./build/chromium.js";
import { type PageServer, servePage } from "./build/serve.js";
import type { GradientReport } from "./page/gradient-check.js";
import type { RunResult } from "./page/train-run.js";

const missing = chromiumMissing();
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe.skipIf(missing !== undefined)(`the page in headless Chromium${missing ? ` — skipped: ${missing}` : ""}`, () => {
  let folder: string;
  let server: PageServer;
  let browser: Browser;

  beforeAll(async () => {
    folder = await buildPage(await mkdtemp(join(tmpdir(), "contrastive-page-")));
    server = await servePage(folder);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  it("trains SimCLR for 20 steps on wasm: finite, falling loss, a kNN accuracy, no console errors, no tensors left", async () => {
    const query = "backend=wasm&steps=20&batch=32&filters=8,16&knnTrain=500&knnTest=200&run=1";
    const run = await runPage(browser, `${server.url}?${query}`, { timeoutMs: 120_000 });
    expect(run.errors).toEqual([]);
    expect(run.state, JSON.stringify(run.result)).toBe("done");
    const result = run.result as unknown as RunResult & { backend: string };
    expect(result.backend).toBe("wasm");
    expect(result.losses).toHaveLength(20);
    for (const loss of result.losses) expect(Number.isFinite(loss)).toBe(true);
    // NT-Xent of 32 pairs starts near chance, ln(63) ≈ 4.14, and falls.
    expect(result.losses[0]).toBeGreaterThan(3.5);
    expect(result.losses[0]).toBeLessThan(Math.log(63) + 0.2);
    expect(mean(result.losses.slice(-5))).toBeLessThan(mean(result.losses.slice(0, 5)) - 0.1);
    for (const accuracy of [result.knnAccuracy, result.untrainedKnnAccuracy, result.rawPixelKnnAccuracy]) {
      expect(accuracy).toBeGreaterThan(0.15); // above chance (0.1) on 10 classes
      expect(accuracy).toBeLessThanOrEqual(1);
    }
    expect(result.tensorsAfter).toBe(result.tensorsBefore);
    console.log(`browser wasm: 20 steps, loss ${result.losses[0]?.toFixed(4)} → ${result.losses.at(-1)?.toFixed(4)}, ${result.stepsPerSecond.toFixed(2)} steps/s, kNN ${result.knnAccuracy}`);
  });

  it("one step on wasm, webgl and webgpu gives cpu's loss and gradients within float32 tolerance", async () => {
    const run = await runPage(browser, `${server.url}?mode=gradient-check`, { timeoutMs: 120_000 });
    expect(run.errors).toEqual([]);
    expect(run.state, JSON.stringify(run.result)).toBe("done");
    const { reports, unavailable } = run.result as { reports: GradientReport[]; unavailable: Record<string, string> };
    expect(unavailable, "backends this Chromium lacks").toEqual({});
    expect(reports.map((r) => r.backend)).toEqual(["cpu", "webgpu", "webgl", "wasm"]);
    const cpu = reports[0] as GradientReport;
    const scale = Math.max(...cpu.gradients.flatMap((g) => g.values.map(Math.abs)));
    expect(cpu.loss).toBeGreaterThan(0);
    expect(scale).toBeGreaterThan(0);
    for (const report of reports) {
      expect(report.tensorsAfter, report.backend).toBe(report.tensorsBefore);
      expect(report.initialWeightSum, `${report.backend}: the models start equal`).toBe(cpu.initialWeightSum);
      expect(Math.abs(report.loss - cpu.loss), `${report.backend} loss ${report.loss} vs cpu ${cpu.loss}`).toBeLessThan(1e-5 * Math.abs(cpu.loss));
      let worst = 0;
      report.gradients.forEach((gradient, v) => {
        const reference = cpu.gradients[v] as GradientReport["gradients"][number];
        expect(gradient.shape).toEqual(reference.shape);
        gradient.values.forEach((value, i) => {
          const expected = reference.values[i] as number;
          const error = Math.abs(value - expected);
          worst = Math.max(worst, error / scale);
          expect(error, `${report.backend} gradient ${v}[${i}]: ${value} vs cpu ${expected}`).toBeLessThanOrEqual(1e-3 * Math.abs(expected) + 2e-4 * scale);
        });
      });
      console.log(`browser ${report.backend}: loss ${report.loss} (cpu ${cpu.loss}), worst gradient error ${worst.toExponential(2)} of the largest gradient`);
    }
  });
});
