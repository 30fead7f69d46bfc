/*
 * Where a piece of tfjs work spends its time, by kernel, for the benches (not published).
 *
 * tf.profile records every kernel, including the kernels that a composite kernel runs inside itself
 * (core's wasm training kernels: Conv2DBackpropFilter and Conv2DBackpropInput run Conv2D, Pad, Transpose…)
 * and those inside customGrad or op scopes. Summing them all counts such time twice. This counts each
 * registered kernel that no registered kernel encloses, so the shares add up to the time in kernels.
 */
import type * as tfjs from "@tensorflow/tfjs-core";

export interface KernelProfile {
  /** Milliseconds in outermost registered kernels (synchronised one by one: more than an unprofiled run). */
  totalMs: number;
  /** The largest tfjs memory in use during the run, bytes. */
  peakBytes: number;
  /** Kernel names with their share of totalMs, largest first. */
  shares: [string, number][];
  /** For each composite kernel, the kernels it ran directly inside itself, with their share of its time. */
  inside: Record<string, [string, number][]>;
}

/**
 * Runs `work` under tf.profile `repeats` times and returns its outermost registered kernels' shares of the
 * time, each kernel's time being its median over the repeats (a single profile on a loaded machine can
 * catch a pause in any kernel).
 */
export async function kernelProfile(tf: typeof tfjs, work: () => void, repeats = 1): Promise<KernelProfile> {
  const runs: KernelTimes[] = [];
  for (let r = 0; r < repeats; r++) runs.push(await profileOnce(tf, work));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? 0;
  const names = new Set(runs.flatMap((run) => [...run.byKernel.keys()]));
  const byKernel = new Map([...names].map((name) => [name, median(runs.map((run) => run.byKernel.get(name) ?? 0))]));
  const totalMs = [...byKernel.values()].reduce((a, b) => a + b, 0);
  const shares = [...byKernel].sort((a, b) => b[1] - a[1]).map(([name, ms]) => [name, ms / totalMs] as [string, number]);
  const last = runs[runs.length - 1]!;
  const inside = Object.fromEntries([...last.inner].map(([parent, children]) => [parent, [...children].sort((a, b) => b[1] - a[1]).map(([name, ms]) => [name, ms / last.byKernel.get(parent)!] as [string, number])]));
  return { totalMs, peakBytes: Math.max(...runs.map((run) => run.peakBytes)), shares, inside };
}

interface KernelTimes { peakBytes: number; byKernel: Map<string, number>; inner: Map<string, Map<string, number>> }

async function profileOnce(tf: typeof tfjs, work: () => void): Promise<KernelTimes> {
  const engine = tf.engine() as unknown as { state: { kernelDepth: number }; profiler: { profileKernel: (...args: unknown[]) => { extraInfo: unknown } } };
  const original = engine.profiler.profileKernel;
  // The kernel depth at the time each kernel runs, passed through the record's extraInfo.
  engine.profiler.profileKernel = function (this: unknown, ...args: unknown[]) {
    const depth = engine.state.kernelDepth;
    const result = original.apply(this, args);
    result.extraInfo = Promise.resolve(result.extraInfo).then(() => String(depth));
    return result;
  };
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(work);
  } finally {
    engine.profiler.profileKernel = original;
  }
  const backend = tf.getBackend();
  // Records come in completion order (a kernel after the kernels it ran): walk them backwards, parents first.
  const enclosed: boolean[] = []; // enclosed[d]: the latest record at depth d is, or is inside, a registered kernel
  const outermost: (string | undefined)[] = []; // outermost[d]: the name of the latest record at depth d when counted
  const byKernel = new Map<string, number>();
  const inner = new Map<string, Map<string, number>>();
  for (let k = info.kernels.length - 1; k >= 0; k--) {
    const record = info.kernels[k]!;
    const depth = Number(record.extraInfo);
    const registered = tf.getKernel(record.name, backend) !== undefined;
    const inside = depth > 1 && enclosed[depth - 1] === true;
    const counted = registered && !inside;
    if (counted) byKernel.set(record.name, (byKernel.get(record.name) ?? 0) + (record.kernelTimeMs as number));
    const parent = depth > 1 ? outermost[depth - 1] : undefined;
    if (registered && parent !== undefined) {
      const children = inner.get(parent) ?? new Map<string, number>();
      inner.set(parent, children.set(record.name, (children.get(record.name) ?? 0) + (record.kernelTimeMs as number)));
    }
    enclosed[depth] = inside || registered;
    outermost[depth] = counted ? record.name : undefined;
  }
  return { peakBytes: info.peakBytes, byKernel, inner };
}
