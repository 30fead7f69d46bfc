// A child process of file-system-handler.fault.test.ts: overwrites a saved model and is killed (SIGKILL)
// just before its k-th file-system operation that changes something (mkdir, open, write, sync, close,
// rename, rm; a kill around a read leaves the same files) (argv[2]: JSON { dir, killAt, value }).
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";
import { fileSystemHandler } from "./file-system-handler.js";

const { dir, killAt, value } = JSON.parse(process.argv[2] as string) as { dir: string; killAt: number; value: number };
let operations = 0;
const tick = () => {
  if (++operations === killAt) process.kill(process.pid, "SIGKILL");
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
const probe = await fsp.open(process.argv[1] as string, "r");
patch(Object.getPrototypeOf(probe) as Record<string, unknown>, ["writeFile", "sync", "close"]);
await probe.close();
patch(fsp as unknown as Record<string, unknown>, ["mkdir", "open", "writeFile", "rename", "rm"]);
syncBuiltinESMExports();
const data = new Float32Array(64).fill(value);
await fileSystemHandler(dir).save!({ modelTopology: { value }, weightSpecs: [{ name: "w", shape: [64], dtype: "float32" }], weightData: data.buffer, format: "test" });
process.send?.({ operations });
process.exit(0);
