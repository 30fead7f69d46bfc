import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { useBackend } from "@contrastive/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mlp } from "./mlp.js";
import { loadBackbone, saveBackbone } from "./save-backbone.js";

let root: string;
beforeAll(async () => {
  await useBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "load-confinement-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const pointWeightsAt = async (dir: string, path: string) => {
  const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
  json.weightsManifest[0].paths = [path];
  await writeFile(join(dir, "model.json"), JSON.stringify(json));
};

describe("loadBackbone reads only inside their folder", () => {
  it("refuses '../x.bin' and a symlinked weights file naming the path; allowSymlinks admits the symlink", async () => {
    const backbone = mlp({ inputDim: 4, units: [3, 2], seed: 1 });
    const dir = join(root, "backbone");
    await saveBackbone(backbone, dir);
    await writeFile(join(root, "x.bin"), await readFile(join(dir, "weights.bin")));
    await pointWeightsAt(dir, "../x.bin");
    await expect(loadBackbone(dir)).rejects.toThrow(/fileSystemHandler: "\.\.\/x\.bin" in .*backbone must be a file inside .*; got a path that leaves the folder/);
    await pointWeightsAt(dir, "./weights.bin");
    await rm(join(dir, "weights.bin"));
    await symlink(join(root, "x.bin"), join(dir, "weights.bin"));
    await expect(loadBackbone(dir)).rejects.toThrow(/got a symlink to .*x\.bin, outside the folder/);
    const loaded = await loadBackbone(dir, { allowSymlinks: true });
    expect(loaded.outputDim).toBe(2);
    [backbone, loaded].forEach((b) => b.dispose());

  });
});
