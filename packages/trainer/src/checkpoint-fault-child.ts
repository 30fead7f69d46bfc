// A child process of checkpoint.fault.test.ts: saves checkpoints and gets killed (SIGKILL) while doing it.
// argv[2]: JSON { dir, from, to, killAt?, keep? }. killAt = k kills this process just before its k-th
// file-system operation that changes something (mkdir, open, write, sync, close, rename, rm; reads change
// nothing, so a kill before one leaves the same files as a kill after it) once saving has begun.
// Every saved checkpoint of epoch e holds weights e + 0.5 and a bank whose values are all e, pointer e % 4.
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { queue } from "@contrastive/samplers";
import { saveCheckpoint } from "./checkpoint.js";

const { dir, from, to, killAt = 0, keep = 2 } = JSON.parse(process.argv[2] as string) as { dir: string; from: number; to: number; killAt?: number; keep?: number };
let operations = 0;
let counting = false;
const tick = () => {
  if (counting && ++operations === killAt) process.kill(process.pid, "SIGKILL");
};
const patch = (target: Record<string, unknown>, names: string[]) => {
  for (const name of names) {
    const original = target[name] as (...args: unknown[]) => unknown;
    target[name] = function (this: unknown, ...args: unknown[]) {
      tick();
      return original.apply(this, args);
    };
  }
};
patch(fsp as unknown as Record<string, unknown>, ["mkdir", "open", "writeFile", "rename", "rm"]);
const probe = await fsp.open(process.argv[1] as string, "r");
patch(Object.getPrototypeOf(probe) as Record<string, unknown>, ["writeFile", "sync", "close"]);
await probe.close();
syncBuiltinESMExports();

await tf.setBackend("cpu");
const variables = [tf.variable(tf.zeros([3, 4])), tf.variable(tf.zeros([4]))];
const backbone = { trainableWeights: variables, weights: variables, dispose: () => tf.dispose(variables) };
const bank = queue({ size: 4, dim: 4 });
process.send?.("ready");
counting = true;
for (let epoch = from; epoch <= to; epoch++) {
  for (const v of variables) v.assign(tf.fill(v.shape, epoch + 0.5));
  bank.restore({ name: bank.name, shape: [4, 4], values: new Float32Array(16).fill(epoch), extra: { pointer: epoch % 4 } });
  await saveCheckpoint(dir, { backbone, negatives: bank }, { epoch, keep });
}
counting = false;
process.send?.({ operations });
process.exit(0);
