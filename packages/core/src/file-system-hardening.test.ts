import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tfjs from "@tensorflow/tfjs";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBankState, saveBankState } from "./bank-file.js";
import { sha256Hex } from "./checksum.js";
import type { BankState, NegativeBank } from "./contracts.js";
import { fileSystemHandler } from "./file-system-handler.js";
import { fileSystemFault } from "./fs-fault.js";
import { useBackend } from "./testing.js";

let root: string;
beforeAll(async () => {
  await useBackend("cpu");
  root = await mkdtemp(join(tmpdir(), "contrastive-harden-"));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const saveSmall = async (dir: string) => {
  const model = tfjs.sequential();
  model.add(tfjs.layers.dense({ units: 2, inputShape: [3] }));
  await model.save(fileSystemHandler(dir));
  model.dispose();
};
const editJson = async (dir: string, edit: (json: Record<string, any>) => void) => {
  const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
  edit(json);
  await writeFile(join(dir, "model.json"), JSON.stringify(json));
};

describe("fileSystemHandler confinement and checksums", () => {
  it("refuses weights paths that leave the folder: '..', absolute, symlink; allowSymlinks opts out of the last", async () => {
    const dir = join(root, "escape");
    await saveSmall(dir);
    const secret = join(root, "secret.bin");
    await writeFile(secret, await readFile(join(dir, "weights.bin")));
    await editJson(dir, (j) => {
      j.weightsManifest[0].paths = ["../secret.bin"];
      delete j.checksums;
    });
    await expect(tfjs.loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(/"\.\.\/secret\.bin" in .*escape must be a file inside .*; got a path that leaves the folder/);
    await editJson(dir, (j) => (j.weightsManifest[0].paths = [secret]));
    await expect(tfjs.loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(/got an absolute path/);
    await editJson(dir, (j) => (j.weightsManifest[0].paths = ["./weights.bin"]));
    await rm(join(dir, "weights.bin"));
    await symlink(secret, join(dir, "weights.bin"));
    await expect(tfjs.loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(/"\.\/weights\.bin" in .*; got a symlink to .*secret\.bin, outside the folder/);
    const model = await tfjs.loadLayersModel(fileSystemHandler(dir, { allowSymlinks: true }));
    expect(model.weights.length).toBe(2);
    model.dispose();
    // a symlink that stays inside the folder is fine without the opt-out
    await rm(join(dir, "weights.bin"));
    await mkdir(join(dir, "blobs"));
    await writeFile(join(dir, "blobs", "w"), await readFile(secret));
    await symlink(join(dir, "blobs", "w"), join(dir, "weights.bin"));
    const inside = await tfjs.loadLayersModel(fileSystemHandler(dir));
    inside.dispose();
  });

  it("records SHA-256 of weights.bin, refuses a same-size corruption naming the file, accepts old files without checksums", async () => {
    const dir = join(root, "corrupt");
    await saveSmall(dir);
    const bytes = await readFile(join(dir, "weights.bin"));
    const json = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
    expect(json.checksums.sha256["./weights.bin"]).toBe(await sha256Hex(bytes));
    const corrupted = Uint8Array.from(bytes);
    corrupted[5] = (corrupted[5] as number) ^ 0xff;
    await writeFile(join(dir, "weights.bin"), corrupted);
    await expect(tfjs.loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(/corrupt\/weights\.bin must be the file saved with .*model\.json.*; got 32 bytes whose SHA-256 differs/);
    await editJson(dir, (j) => delete j.checksums); // a model.json from before checksums
    const old = await tfjs.loadLayersModel(fileSystemHandler(dir));
    old.dispose();
  });

  it("names EISDIR for a weights file that is a folder", async () => {
    const dir = join(root, "eisdir");
    await saveSmall(dir);
    await rm(join(dir, "weights.bin"));
    await mkdir(join(dir, "weights.bin"));
    await editJson(dir, (j) => delete j.checksums);
    await expect(tfjs.loadLayersModel(fileSystemHandler(dir))).rejects.toThrow(/eisdir\/weights\.bin must be an existing, readable weights file.*; got EISDIR/);
  });
});

function fakeBank(state: BankState): NegativeBank & { restored?: BankState } {
  const bank = {
    name: state.name,
    negatives: () => tf.zeros([1, 1]) as tf.Tensor2D,
    update() {},
    state: () => state,
    restore(s: BankState) {
      bank.restored = s;
    },
    dispose() {},
  } as unknown as NegativeBank & { restored?: BankState };
  return bank;
}

describe("bank files", () => {
  const state: BankState = { name: "queue", shape: [2, 3], values: Float32Array.from([1, 0, 0, 0, 1, 0]), extra: { pointer: 1 } };
  const header = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);

  it("round-trips, and refuses corruption, NaN values and a null shape with the path", async () => {
    const path = join(root, "bank", "q.bin");
    await saveBankState(fakeBank(state), path);
    const back = await readBankState(path);
    expect(Array.from(back.values)).toEqual(Array.from(state.values));
    expect(back.extra).toEqual({ pointer: 1 });
    const bytes = Uint8Array.from(await readFile(path));
    const n = header(bytes);
    const flipped = Uint8Array.from(bytes);
    flipped[4 + n + 2] = (flipped[4 + n + 2] as number) ^ 1;
    await writeFile(path, flipped);
    await expect(readBankState(path)).rejects.toThrow(/bank\/q\.bin must be a complete file written by saveBankState; got values whose SHA-256 differs/);
    const text = new TextDecoder().decode(bytes.subarray(4, 4 + n));
    const write = async (headerText: string, values: Float32Array) => {
      const h = new TextEncoder().encode(headerText);
      const out = new Uint8Array(4 + h.byteLength + values.byteLength);
      new DataView(out.buffer).setUint32(0, h.byteLength, true);
      out.set(h, 4);
      out.set(new Uint8Array(values.buffer), 4 + h.byteLength);
      await writeFile(path, out);
    };
    await write(text.replace(/"sha256":"[0-9a-f]+"/, '"x":0'), Float32Array.from([1, NaN, 0, 0, 1, 0]));
    await expect(readBankState(path)).rejects.toThrow(/got a non-finite value \(NaN\) at row 0/);
    await write(text.replace(/"shape":\[2,3\]/, '"shape":null'), state.values);
    await expect(readBankState(path)).rejects.toThrow(/got a header whose shape is null \(two positive integers/);
    await write(text.replace(/,"sha256":"[0-9a-f]+"/, ""), state.values); // an old file without checksum
    expect((await readBankState(path)).shape).toEqual([2, 3]);
  });
});

describe("file-system faults while saving", () => {
  it("ENOTDIR (a folder path through a file) names the operation and the path", async () => {
    const file = join(root, "plain-file");
    await writeFile(file, "x");
    const model = tfjs.sequential();
    model.add(tfjs.layers.dense({ units: 1, inputShape: [1] }));
    await expect(model.save(fileSystemHandler(join(file, "model")))).rejects.toThrow(/fileSystemHandler: .*plain-file\/model must be a writable location with free space \(mkdir\); got ENOTDIR \(a path through something that is not a folder\)/);
    model.dispose();
  });
});

describe("fileSystemFault", () => {
  it("names the component, the operation, the path and the code", () => {
    const error = fileSystemFault("cifar10", "read", "/data/x.bin", Object.assign(new Error("boom"), { code: "ENOSPC" }));
    expect(error.message).toBe("cifar10: /data/x.bin must be readable (read); got ENOSPC (no space left on the device)");
  });
});
