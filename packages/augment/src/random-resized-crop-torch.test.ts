/*
 * The PyTorch scripts of the quality benchmark (bench/pytorch/mnist_common.py of the repository, `crop_views`)
 * claim to resample a crop box exactly as randomResizedCrop does. This checks it, when /usr/bin/python3 has
 * torch: the boxes randomResizedCrop draws from a seeded rng (drawCropBox, replayed) are resampled by the
 * script's grid_sample code and compared with our views. Without torch the test is skipped with the reason.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRng } from "@contrastive/core";
import { TEST_BACKENDS, maxAbsDifference, useBackend } from "@contrastive/core/testing";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { randomResizedCrop } from "./random-resized-crop.js";
import { drawCropBox } from "./sample-crop-box.js";

const PYTHON = "/usr/bin/python3";
const FOLDER = fileURLToPath(new URL("../../../bench/pytorch/", import.meta.url));

const RESAMPLE = `
import json, sys, torch, torch.nn.functional as F
sys.path.insert(0, sys.argv[1])
from mnist_common import _axis_samples
d = json.load(sys.stdin); n, h, w = d["shape"]; oh, ow = d["size"]
x = torch.tensor(d["images"], dtype=torch.float64).view(n, 1, h, w)
grids = []
for top, left, bh, bw in d["boxes"]:
    ys = _axis_samples(top, bh, h, oh).double(); xs = _axis_samples(left, bw, w, ow).double()
    gy = (2 * ys + 1) / h - 1; gx = (2 * xs + 1) / w - 1
    grids.append(torch.stack([gx.view(1, -1).expand(oh, -1), gy.view(-1, 1).expand(-1, ow)], dim=-1))
v = F.grid_sample(x, torch.stack(grids), mode="bilinear", padding_mode="border", align_corners=False)
print(json.dumps(v.flatten().tolist()))
`;

function torchMissing(): string | undefined {
  if (!existsSync(PYTHON) || !existsSync(`${FOLDER}mnist_common.py`)) return `needs ${PYTHON} and bench/pytorch/mnist_common.py`;
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8", timeout: 60_000 });
  return probe.status === 0 ? undefined : `${PYTHON} has no torch (apt-get install -y python3-torch)`;
}
const missing = torchMissing();

describe.each(TEST_BACKENDS)("randomResizedCrop against the PyTorch benchmark's crop on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  type Pair = readonly [number, number];
  const cases: [string, Pair, Pair, Pair, Pair][] = [
    ["digits' recipe (scale 0.4–1, 28 → 28)", [28, 28], [0.4, 1], [3 / 4, 4 / 3], [28, 28]],
    ["triplet recipe (scale 0.7–1, ratio 0.9–1.1)", [28, 28], [0.7, 1], [0.9, 1.1], [28, 28]],
    ["a non-square image to another size", [20, 31], [0.08, 1], [3 / 4, 4 / 3], [16, 12]],
  ];
  for (const [name, shape, scale, ratio, size] of cases) it(`${name}: the same pixels within 1e-5`, (context) => {
    if (missing) return context.skip(`skipped: ${missing}`);
    const [h, w] = shape;
    const n = 12;
    const images = Float32Array.from({ length: n * h * w }, (_, i) => ((i * 7919) % 997) / 996);
    const input = tf.tensor4d(images, [n, h, w, 1]);
    const before = tf.memory().numTensors;
    const views = randomResizedCrop({ size, scale, ratio }).apply(input, createRng(11));
    const ours = views.dataSync();
    views.dispose();
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
    // randomResizedCrop draws nothing but its boxes from the rng, one image after the other: replay them
    const rng = createRng(11);
    const boxes = Array.from({ length: n }, () => drawCropBox(rng, h, w, scale, ratio)).map((b) => [b.top, b.left, b.height, b.width]);
    expect(new Set(boxes.map((b) => b.join())).size).toBeGreaterThan(n / 2); // distinct boxes, not one repeated
    const run = spawnSync(PYTHON, ["-c", RESAMPLE, FOLDER], { input: JSON.stringify({ images: Array.from(images), shape: [n, h, w], size, boxes }), encoding: "utf8", timeout: 120_000 });
    expect(run.status, run.stderr).toBe(0);
    const theirs = JSON.parse(run.stdout) as number[];
    expect(theirs).toHaveLength(ours.length);
    expect(maxAbsDifference(ours, theirs)).toBeLessThan(1e-5);
  });
});
