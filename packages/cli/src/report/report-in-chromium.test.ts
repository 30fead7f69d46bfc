import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { convNet } from "@contrastive/backbones";
import { selectBackend } from "@contrastive/core";
import { imageFolder } from "@contrastive/data/image";
import { describe, expect, it } from "vitest";
import { evaluationSets } from "../evaluation.js";
import type { MetricsLine } from "../metrics-log.js";
import { DEFAULT_SETTINGS } from "../settings.js";
import { writeDigitFolders } from "../digit-folders.js";
import { writeReport } from "./write-report.js";

const CHROMIUM = "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present) console.warn(`report-in-chromium: skipped, ${CHROMIUM} is absent (apt-get install -y chromium)`);

describe.skipIf(!present)("report.html in headless Chromium", () => {
  it("loads with no console errors, draws its curves, map and neighbour grid; saves a screenshot", async () => {
    await selectBackend("cpu");
    const root = mkdtempSync(join(tmpdir(), "contrastive-report-"));
    await writeDigitFolders(join(root, "digits"), { perClass: 6 });
    const data = imageFolder(join(root, "digits"), { size: [16, 16], channels: 1 });
    const sets = evaluationSets(data, undefined)!;
    const backbone = convNet({ inputShape: [16, 16, 1], filters: [8, 16], seed: 0 });
    const metrics: MetricsLine[] = [
      { type: "baseline", name: "raw pixels", knnAccuracy: 0.8 },
      { type: "baseline", name: "untrained encoder", knnAccuracy: 0.4 },
      ...[0, 1, 2].flatMap((epoch): MetricsLine[] => [
        ...[0, 1, 2, 3].map((step): MetricsLine => ({ type: "step", epoch, step, globalStep: epoch * 4 + step, loss: 4 - 0.1 * (epoch * 4 + step), learningRate: 1e-3 * Math.cos((epoch * 4 + step) / 12), imagesPerSecond: 50, seconds: step + 1 })),
        { type: "epoch", epoch, meanLoss: 3.8 - 0.4 * epoch, steps: 4, seconds: 4, imagesPerSecond: 50, knnAccuracy: 0.5 + 0.1 * epoch },
      ]),
    ];
    const path = join(root, "report.html");
    const before = tf.memory().numTensors;
    await writeReport({ path, title: "report test", settings: { ...DEFAULT_SETTINGS, data: join(root, "digits"), out: root, imageSize: 16, channels: 1 }, metrics, backbone, sets, classNames: data.classNames });
    expect(tf.memory().numTensors).toBe(before);
    backbone.dispose();
    const html = readFileSync(path, "utf8");
    expect(html).not.toMatch(/(src|href)="https?:/); // self-contained: nothing from the network

    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox"] });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const errors: string[] = [];
      page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
      page.on("pageerror", (error) => errors.push(String(error)));
      const requests: string[] = [];
      page.on("request", (request) => !request.url().startsWith("file:") && !request.url().startsWith("data:") && requests.push(request.url()));
      await page.goto(`file://${path}`);
      expect(errors).toEqual([]);
      expect(requests).toEqual([]);
      // loss, learning rate, kNN (trained + 2 baselines): 5 curves; one dot per query; 1 + 6 thumbnails per query row
      expect(await page.locator("svg path").count()).toBe(5);
      expect(await page.locator("svg circle.point").count()).toBe(sets.queries.size);
      const images = page.locator("table.nn img");
      expect(await images.count()).toBe(8 * 7);
      const loaded = await images.evaluateAll((nodes) => nodes.every((node) => { const img = node as unknown as { complete: boolean; naturalWidth: number }; return img.complete && img.naturalWidth > 0; }));
      expect(loaded).toBe(true);
      const curve = await page.locator("svg path").first().getAttribute("d");
      expect(curve?.split("L")).toHaveLength(12); // one point per step line
      const screenshot = join(root, "report.png");
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`report screenshot: ${screenshot}`);
      expect(readFileSync(screenshot).length).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
