import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectionHead } from "./projection-head.js";
import { loadHead, saveHead } from "./save-head.js";

let root: string;
beforeAll(async () => {
  await useBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "head-confinement-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe("loadHead reads only inside its folder", () => {
  it("refuses an absolute weights path and a corrupted weights file, naming them", async () => {
    const head = projectionHead({ inputDim: 4, hiddenDims: [4], outputDim: 2, seed: 1 });
    const dir = join(root, "head");
    await saveHead(head, dir);
    const json = await readFile(join(dir, "model.json"), "utf8");
    const weights = await readFile(join(dir, "weights.bin"));
    await mkdir(join(root, "elsewhere"));
    await writeFile(join(root, "elsewhere", "w.bin"), weights);
    const moved = JSON.parse(json);
    moved.weightsManifest[0].paths = [join(root, "elsewhere", "w.bin")];
    await writeFile(join(dir, "model.json"), JSON.stringify(moved));
    await expect(loadHead(dir)).rejects.toThrow(/fileSystemHandler: ".*elsewhere\/w\.bin" in .*head must be a file inside .*; got an absolute path/);
    await writeFile(join(dir, "model.json"), json);
    const corrupted = Uint8Array.from(weights);
    corrupted[0] = (corrupted[0] as number) ^ 0x80;
    await writeFile(join(dir, "weights.bin"), corrupted);
    await expect(loadHead(dir)).rejects.toThrow(/head\/weights\.bin must be the file saved with .*; got \d+ bytes whose SHA-256 differs/);
    head.dispose();
  });
});
