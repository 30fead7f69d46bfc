import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resnet } from "@contrastive/backbones";
import { exportTorchWeights, saveBackbone } from "@contrastive/backbones/node";
import { selectBackend } from "@contrastive/core";
import { readSafetensorsFile } from "@contrastive/core/node";
import { describe, expect, it } from "vitest";
import { runBuiltCli } from "./testing/run-built-cli.js";

await selectBackend("cpu");

describe("contrastive import / export", () => {
  it("a torchvision-named ResNet-18 file → import → export gives back the same tensors, byte for byte", async () => {
    const root = mkdtempSync(join(tmpdir(), "contrastive-torch-cli-"));
    // A file with torchvision's names, written by the library from a seeded random model (the interop
    // tests of @contrastive/backbones check these names against torchvision itself).
    const model = resnet({ depth: 18, stem: "cifar", inputShape: [32, 32, 3] });
    await saveBackbone(model, join(root, "original"));
    model.dispose();
    await exportTorchWeights({ model: join(root, "original"), out: join(root, "original.safetensors") });
    const imported = await runBuiltCli(["import", "--weights", join(root, "original.safetensors"), "--backbone", "resnet18", "--stem", "cifar", "--out", join(root, "imported"), "--backend", "cpu"]);
    expect(imported.stderr).not.toMatch(/error/i);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/^imported \d+ tensors into .*imported \(resnet18, cifar stem, torchvision names/);
    const exported = await runBuiltCli(["export", "--model", join(root, "imported"), "--out", join(root, "again.safetensors"), "--backend", "cpu"]);
    expect(exported.code).toBe(0);
    const [a, b] = [await readSafetensorsFile(join(root, "original.safetensors")), await readSafetensorsFile(join(root, "again.safetensors"))];
    expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
    expect([...a.tensors.keys()]).toContain("layer4.1.bn2.running_var");
    for (const [name, tensor] of a.tensors) {
      const other = b.tensors.get(name)!;
      expect(other.shape, name).toEqual(tensor.shape);
      expect(Array.from(other.values as ArrayLike<number | bigint>, Number), name).toEqual(Array.from(tensor.values as ArrayLike<number | bigint>, Number));
    }
  }, 120_000);
});
