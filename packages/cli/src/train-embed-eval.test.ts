import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { loadBackbone } from "@contrastive/backbones/node";
import { selectBackend } from "@contrastive/core";
import { imageFolder } from "@contrastive/data/image";
import { extractFeatures, knnAccuracy } from "@contrastive/eval";
import { beforeAll, describe, expect, it } from "vitest";
import { readMetrics } from "./metrics-log.js";
import { writeDigitFolders } from "./digit-folders.js";
import { runBuiltCli } from "./testing/run-built-cli.js";

const root = mkdtempSync(join(tmpdir(), "contrastive-cli-e2e-"));
const [trainDir, testDir, run] = [join(root, "train"), join(root, "test"), join(root, "run")];
const config = fileURLToPath(new URL("./testing/fixtures/small-config.ts", import.meta.url));
let trained: Awaited<ReturnType<typeof runBuiltCli>>;

/** Reads a float32 C-order .npy file (numpy's format 1.0): its shape and values. */
function readNpy(path: string): { shape: number[]; values: Float32Array } {
  const bytes = readFileSync(path);
  expect(bytes.subarray(0, 6).toString("latin1")).toBe("\x93NUMPY");
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString("latin1");
  expect(header).toContain("'descr': '<f4'");
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? "").split(",").filter((s) => s.trim()).map(Number);
  const data = bytes.subarray(10 + headerLength);
  return { shape, values: new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

beforeAll(async () => {
  await selectBackend("cpu");
  await writeDigitFolders(trainDir, { perClass: 8, subset: "train" });
  await writeDigitFolders(testDir, { perClass: 3, subset: "test" });
  // a TypeScript config module (through tsx) supplies a narrower ConvNet and the DCL loss; flags override settings
  trained = await runBuiltCli(["train", "--data", trainDir, "--test", testDir, "--out", run, "--config", config, "--epochs", "1", "--max-steps", "2", "--batch-size", "16", "--log-every", "1", "--backend", "cpu", "--json"]);
}, 120_000);

describe("contrastive train → embed → eval on a folder of JPEG files", () => {
  it("writes the run folder: config, metrics, checkpoint, encoder, head, report", () => {
    expect(trained.code, trained.stderr).toBe(0);
    const summary = JSON.parse(trained.stdout.trim().split("\n").at(-1)!);
    expect(summary).toMatchObject({ backend: "cpu", epochs: 1, interrupted: false, out: run });
    for (const file of ["config.json", "metrics.jsonl", "report.html", "encoder/model.json", "head/model.json", "checkpoints/latest", "state.json"]) expect(existsSync(join(run, file)), file).toBe(true);
    const settings = JSON.parse(readFileSync(join(run, "config.json"), "utf8"));
    expect(settings).toMatchObject({ data: trainDir, test: testDir, imageSize: 16, channels: 1, augment: "digits", headDim: 16, epochs: 1, batchSize: 16, maxSteps: 2, configModule: config });
    const metrics = readMetrics(join(run, "metrics.jsonl"));
    expect(metrics.filter((m) => m.type === "baseline").map((m) => (m as { name: string }).name)).toEqual(["raw pixels", "untrained encoder"]);
    const steps = metrics.filter((m) => m.type === "step");
    expect(steps.map((m) => m.globalStep)).toEqual([0, 1]);
    const epochs = metrics.filter((m) => m.type === "epoch");
    expect(epochs).toHaveLength(1);
    // the epoch's mean loss is the mean of its (one-step) lines; the kNN figure is a fraction of the 30 test images
    expect(epochs[0]!.meanLoss).toBeCloseTo((steps[0]!.loss + steps[1]!.loss) / 2, 10);
    expect(Math.abs(epochs[0]!.knnAccuracy! * 30 - Math.round(epochs[0]!.knnAccuracy! * 30))).toBeLessThan(1e-9);
    expect(summary.knnAccuracy).toBeCloseTo(epochs[0]!.knnAccuracy!, 4);
  });

  it("embed writes the encoder's features (the config module's 16-d ConvNet) with paths and labels; eval's kNN equals a recomputation", async () => {
    const npy = join(root, "test.npy");
    const csv = join(root, "test.csv");
    const [asNpy, asCsv, evaluated] = await Promise.all([
      runBuiltCli(["embed", "--model", run, "--data", testDir, "--out", npy, "--backend", "cpu"]),
      runBuiltCli(["embed", "--model", run, "--data", testDir, "--out", csv, "--backend", "cpu"]),
      runBuiltCli(["eval", "--model", run, "--train", trainDir, "--test", testDir, "--backend", "cpu", "--json"]),
    ]);
    for (const result of [asNpy, asCsv, evaluated]) expect(result.code, result.stderr).toBe(0);
    const { shape, values } = readNpy(npy);
    expect(shape).toEqual([30, 16]);
    const index = readFileSync(`${npy}.index.jsonl`, "utf8").trim().split("\n").map((line) => JSON.parse(line));
    const test = imageFolder(testDir, { size: [16, 16], channels: 1 });
    expect(index.map((row) => row.path)).toEqual(test.files);
    expect(index.map((row) => row.label)).toEqual(Array.from(test.labels!));
    const csvRows = readFileSync(csv, "utf8").trim().split(/\r?\n/);
    expect(csvRows[0]).toBe(`path,label,${Array.from({ length: 16 }, (_, i) => `e${i}`).join(",")}`);
    expect(csvRows).toHaveLength(31);
    // the saved encoder, loaded here, gives the same features
    const encoder = await loadBackbone(join(run, "encoder"));
    const before = tf.memory().numTensors;
    const encode = (x: tf.Tensor) => encoder.apply(x as tf.Tensor4D, { training: false });
    const features = await extractFeatures({ source: test, encode });
    const expected = (await features.data()) as Float32Array;
    for (let i = 0; i < expected.length; i++) expect(values[i]).toBeCloseTo(expected[i] as number, 5);
    const train = imageFolder(trainDir, { size: [16, 16], channels: 1 });
    const trainFeatures = await extractFeatures({ source: train, encode });
    const knn = await knnAccuracy({ trainFeatures, trainLabels: train.labels!, testFeatures: features, testLabels: test.labels!, k: 20, temperature: 0.1 });
    // precision@1 of retrieval among the training images, by a plain loop over cosine similarities
    const trainValues = (await trainFeatures.data()) as Float32Array;
    const row = (values: Float32Array, i: number) => values.subarray(i * 16, (i + 1) * 16);
    const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, v, j) => s + v * (b[j] as number), 0) / Math.hypot(...a) / Math.hypot(...b);
    let hits = 0;
    for (let q = 0; q < 30; q++) {
      let best = 0;
      for (let r = 1; r < 80; r++) if (cosine(row(expected, q), row(trainValues, r)) > cosine(row(expected, q), row(trainValues, best))) best = r;
      if (train.labels![best] === test.labels![q]) hits++;
    }
    tf.dispose([features, trainFeatures]);
    expect(tf.memory().numTensors).toBe(before);
    encoder.dispose();
    const figures = JSON.parse(evaluated.stdout.trim());
    expect(figures).toMatchObject({ train: 80, test: 30, classes: 10, dimension: 16, knnAccuracy: Number(knn.accuracy.toFixed(4)), precisionAt1: Number((hits / 30).toFixed(4)) });
    for (const key of ["linearProbeAccuracy", "rPrecision", "mapAtR"]) expect(figures[key]).toBeGreaterThanOrEqual(0);
  });

  it("--workers 2 trains data-parallel on two worker threads (the config module's ConvNet rebuilt in each)", async () => {
    const out = join(root, "workers");
    const result = await runBuiltCli(["train", "--data", trainDir, "--out", out, "--config", config, "--workers", "2", "--epochs", "1", "--max-steps", "2", "--batch-size", "16", "--backend", "cpu", "--json"]);
    expect(result.code, result.stderr + result.stdout).toBe(0);
    expect(result.stderr).toContain("workers: 2 threads, data parallel");
    const summary = JSON.parse(result.stdout.trim().split("\n").at(-1)!);
    expect(summary).toMatchObject({ epochs: 1, interrupted: false });
    expect(Number.isFinite(summary.finalLoss)).toBe(true);
    expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8")).workers).toBe(2);
  });

  it("Ctrl-C writes a checkpoint and exits 130; --resume continues from it", async () => {
    const interrupted = join(root, "interrupted");
    let sent = false;
    const first = await runBuiltCli(["train", "--data", trainDir, "--out", interrupted, "--config", config, "--batch-size", "8", "--epochs", "2", "--log-every", "1"], {
      onStderr: (text, child) => {
        if (!sent && /step 1\/10/.test(text)) (sent = true), child.kill("SIGINT");
      },
    });
    expect(first.code, first.stderr).toBe(130);
    expect(first.stderr).toContain("checkpoint saved");
    expect(JSON.parse(readFileSync(join(interrupted, "state.json"), "utf8"))).toEqual({ nextEpoch: 0 });
    const again = await runBuiltCli(["train", "--out", interrupted, "--resume", "--epochs", "1", "--max-steps", "2"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("continuing at epoch 1/1");
    expect(JSON.parse(readFileSync(join(interrupted, "state.json"), "utf8"))).toEqual({ nextEpoch: 1 });
    const epochs = readMetrics(join(interrupted, "metrics.jsonl")).filter((m) => m.type === "epoch");
    expect(epochs.map((e) => [e.epoch, e.steps])).toEqual([[0, 2]]);
    expect(existsSync(join(interrupted, "encoder", "model.json"))).toBe(true);
    // a run folder is not replaced by accident
    const refused = await runBuiltCli(["train", "--data", trainDir, "--out", interrupted, "--smoke"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(`contrastive train: --out ${interrupted}: already holds a run; add --resume to continue it or --overwrite to replace it, or choose another folder`);
  });
});
