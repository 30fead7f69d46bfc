import { mkdtemp, readFile, readdir, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContrastiveError } from "./errors.js";
import { readSafetensorsFile, writeSafetensorsFile } from "./safetensors-file.js";
import { parseSafetensors } from "./safetensors.js";

describe("readSafetensorsFile / writeSafetensorsFile", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "contrastive-safetensors-"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("writes through a temporary file into a new directory and reads back the same tensors", async () => {
    const path = join(root, "nested", "w.safetensors");
    const values = Float32Array.from({ length: 30 }, (_, i) => i / 7 - 2);
    await writeSafetensorsFile(path, { w: { shape: [5, 6], values } }, { format: "pt" });
    expect(await readdir(join(root, "nested"))).toEqual(["w.safetensors"]);
    const { tensors, metadata } = await readSafetensorsFile(path);
    expect(metadata).toEqual({ format: "pt" });
    expect(tensors.get("w")?.shape).toEqual([5, 6]);
    expect(Array.from(tensors.get("w")?.values as Float32Array)).toEqual(Array.from(values));
    expect(parseSafetensors(await readFile(path)).tensors.size).toBe(1);
  });

  it("names the path of a missing file and of a truncated one (with the tensor)", async () => {
    await expect(readSafetensorsFile(join(root, "none.safetensors"))).rejects.toThrow(/readSafetensorsFile: path .*none\.safetensors.*no such file/);
    const path = join(root, "cut.safetensors");
    await writeSafetensorsFile(path, { a: { shape: [4], values: new Float32Array(4) }, b: { shape: [4], values: new Float32Array(4) } });
    const size = (await readFile(path)).length;
    await truncate(path, size - 4);
    const error = await readSafetensorsFile(path).catch((e: unknown) => e);
    expect(ContrastiveError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`${path} tensor "b" data_offsets`);
  });
});
