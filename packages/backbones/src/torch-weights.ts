import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, type Safetensors, type SafetensorsInput, type SafetensorsTensor, describeValue } from "@contrastive/core";
import { type TorchNames, inversePermutation, permuteAxes, torchLayout } from "./torch-names.js";

/** Options of {@link loadTorchWeights} and {@link toTorchStateDict}. */
export interface TorchWeightsOptions {
  /** Naming of the state dict. Default `'sequential'` for a `tf.Sequential` (convNet, heads), else `'torchvision'`. */
  names?: TorchNames;
  /** Prefix of every key, e.g. `'backbone.'` for the encoder inside a larger PyTorch module. Default none. */
  prefix?: string;
}

/** What {@link loadTorchWeights} did: keys as PyTorch's `load_state_dict` reports them. */
export interface TorchLoadReport {
  loaded: string[];
  missing: string[];
  unexpected: string[];
}

/** A model to read or write: any backbone or head of these packages (`resnet`, `convNet`, `mlp`, `projectionHead`, …). */
export interface TorchWeightsTarget {
  readonly name: string;
  readonly model: tfl.LayersModel;
}

function listKeys(keys: string[]): string {
  const shown = keys.slice(0, 12).map((k) => JSON.stringify(k)).join(", ");
  return keys.length > 12 ? `${shown} and ${keys.length - 12} more` : shown;
}

/**
 * Loads a PyTorch state dict (e.g. from `readSafetensorsFile`, or `parseSafetensors` in a browser) into
 * a backbone or head, converting layouts (conv OIHW → HWIO, linear [out, in] → [in, out]) and batch-norm
 * names (weight/bias/running_mean/running_var → γ/β/moving mean/moving variance). `num_batches_tracked`
 * is ignored, and so is a classifier `fc.*` our ResNets do not have. Strict by default, like
 * `load_state_dict(strict=True)`: every variable must be present and no other key (under `prefix`)
 * may be; nothing is written unless every shape matches.
 *
 * @param options.strict false loads what matches and reports the rest. Default true.
 * @param options.source the file the tensors came from, named in errors.
 * @throws {ContrastiveError} listing the missing and unexpected keys (strict), or naming a tensor whose
 *   shape differs (both shapes) or whose dtype is not a float.
 * @example
 * const encoder = resnet({ depth: 50, stem: "imagenet", inputShape: [224, 224, 3] });
 * const { tensors } = await readSafetensorsFile("resnet50.safetensors");
 * loadTorchWeights(encoder, tensors, { names: "torchvision" });
 */
export function loadTorchWeights(target: TorchWeightsTarget, tensors: Safetensors["tensors"], options: TorchWeightsOptions & { strict?: boolean; source?: string } = {}): TorchLoadReport {
  const component = `loadTorchWeights(${target?.name ?? "?"})`;
  if (target?.model == null || !Array.isArray(target.model.layers)) {
    throw new ContrastiveError({ component: "loadTorchWeights", argument: "target", received: describeValue(target), expected: "a backbone or head with a tfjs-layers model (resnet, convNet, mlp, projectionHead, …)" });
  }
  if (!(tensors instanceof Map)) {
    throw new ContrastiveError({ component, argument: "tensors", received: describeValue(tensors), expected: "the Map of tensors from readSafetensorsFile or parseSafetensors" });
  }
  const { strict = true, prefix = "" } = options;
  const from = options.source === undefined ? "" : `${options.source} `;
  const layout = torchLayout(target.model, component, options);
  const known = new Set([...layout.parameters.map((p) => p.name), ...layout.counters]);
  const missing = layout.parameters.filter((p) => !tensors.has(p.name)).map((p) => p.name);
  const unexpected = [...tensors.keys()].filter((key) => key.startsWith(prefix) && !known.has(key) && !layout.optional(key) && !key.endsWith(".num_batches_tracked"));
  if (strict && (missing.length > 0 || unexpected.length > 0)) {
    const parts = [missing.length > 0 ? `Missing key(s): ${listKeys(missing)}` : "", unexpected.length > 0 ? `Unexpected key(s): ${listKeys(unexpected)}` : ""].filter(Boolean);
    throw new ContrastiveError({ component, argument: `${from}state dict`, received: `${parts.join("; ")} (${tensors.size} tensors in the file)`, expected: `the ${layout.parameters.length} keys of ${target.name}${prefix ? ` under ${JSON.stringify(prefix)}` : ""} with names: '${options.names ?? "default"}' (pass another names, prefix, or strict: false)` });
  }
  const present = layout.parameters.filter((p) => tensors.has(p.name));
  for (const parameter of present) {
    const tensor = tensors.get(parameter.name) as SafetensorsTensor;
    if (tensor.dtype === "I64") {
      throw new ContrastiveError({ component, argument: `${from}tensor ${JSON.stringify(parameter.name)}`, received: "dtype I64", expected: "a float tensor (F32, F16 or BF16)" });
    }
    if (tensor.shape.length !== parameter.shape.length || !tensor.shape.every((s, i) => s === parameter.shape[i])) {
      throw new ContrastiveError({ component, argument: `${from}tensor ${JSON.stringify(parameter.name)}`, received: `shape [${tensor.shape.join(", ")}] in the file`, expected: `shape [${parameter.shape.join(", ")}] as in ${target.name} (size mismatch: check depth, stem, input channels or names)` });
    }
  }
  for (const parameter of present) {
    const { values } = tensors.get(parameter.name) as { values: Float32Array };
    const ours = parameter.permutation ? permuteAxes(values, parameter.shape, inversePermutation(parameter.permutation)) : values;
    tf.tidy(() => {
      parameter.variable.write(tf.tensor(ours, parameter.variable.shape as number[], "float32"));
    });
  }
  return { loaded: present.map((p) => p.name), missing, unexpected };
}

/**
 * The state dict PyTorch expects for this backbone or head: float32 tensors in PyTorch layouts under
 * PyTorch names (see {@link loadTorchWeights}), with a `num_batches_tracked` (int64 0) per batch norm so
 * that `load_state_dict(strict=True)` accepts it. Write it with `writeSafetensorsFile` (Node) or
 * `serializeSafetensors`.
 *
 * @throws {ContrastiveError} for a target without a tfjs-layers model or a variable PyTorch cannot name.
 * @example
 * const stateDict = toTorchStateDict(encoder, { names: "torchvision" });
 * await writeSafetensorsFile("resnet18.safetensors", stateDict, { format: "pt" });
 */
export function toTorchStateDict(target: TorchWeightsTarget, options: TorchWeightsOptions = {}): Map<string, SafetensorsInput> {
  if (target?.model == null || !Array.isArray(target.model.layers)) {
    throw new ContrastiveError({ component: "toTorchStateDict", argument: "target", received: describeValue(target), expected: "a backbone or head with a tfjs-layers model (resnet, convNet, mlp, projectionHead, …)" });
  }
  const layout = torchLayout(target.model, `toTorchStateDict(${target.name})`, options);
  const out = new Map<string, SafetensorsInput>();
  const counters = new Set(layout.counters);
  for (const parameter of layout.parameters) {
    const values = parameter.variable.read().dataSync() as Float32Array;
    const torchValues = parameter.permutation ? permuteAxes(values, parameter.variable.shape as number[], parameter.permutation) : Float32Array.from(values);
    out.set(parameter.name, { shape: parameter.shape, values: torchValues });
    const counter = parameter.name.replace(/running_var$/, "num_batches_tracked");
    if (counter !== parameter.name && counters.has(counter)) out.set(counter, { shape: [], values: new BigInt64Array(1) }); // PyTorch's order
  }
  return out;
}
