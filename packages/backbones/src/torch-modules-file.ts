import { ContrastiveError, describeValue } from "@contrastive/core";
import { readSafetensorsFile, writeSafetensorsFile } from "@contrastive/core/node";
import { torchArchitecture } from "./torch-architecture.js";
import { type TorchLoadReport, type TorchWeightsTarget, loadTorchWeights, toTorchStateDict } from "./torch-weights.js";

function checkModules(component: string, modules: Record<string, TorchWeightsTarget>): [string, TorchWeightsTarget][] {
  const entries = Object.entries(modules ?? {});
  if (entries.length === 0 || !entries.every(([key, m]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && m?.model != null)) {
    throw new ContrastiveError({ component, argument: "modules", received: describeValue(modules), expected: "an object of backbones/heads keyed by PyTorch attribute names, e.g. { backbone: encoder, head }" });
  }
  return entries;
}

/**
 * Writes several models into one safetensors file as the submodules of one PyTorch module: the keys of
 * `modules` become prefixes (`backbone.0.weight`, `head.3.bias`) and each architecture is stored as
 * `contrastive.<key>` metadata, which `scale-out/train_ddp.py` (`--init`) rebuilds. Node only.
 *
 * @throws {ContrastiveError} for an empty `modules` or a key that is not a Python identifier, and from
 *   `toTorchStateDict` / `torchArchitecture`.
 * @example
 * await exportTorchModules("start.safetensors", { backbone: encoder, head });
 */
export async function exportTorchModules(path: string, modules: Record<string, TorchWeightsTarget>): Promise<void> {
  const entries = checkModules("exportTorchModules", modules);
  const stateDict = new Map(entries.flatMap(([key, target]) => [...toTorchStateDict(target, { prefix: `${key}.` })]));
  const metadata: Record<string, string> = { format: "pt" };
  for (const [key, target] of entries) metadata[`contrastive.${key}`] = JSON.stringify(torchArchitecture(target));
  await writeSafetensorsFile(path, stateDict, metadata);
}

/**
 * Loads a file written by {@link exportTorchModules} or by `scale-out/train_ddp.py` (`--out`) back into
 * models of the same architectures, each from the keys under its prefix, strictly.
 *
 * @returns what each model loaded.
 * @throws {ContrastiveError} naming the file for missing or unexpected keys, shape mismatches, malformed files.
 * @example
 * await importTorchModules("trained.safetensors", { backbone: encoder, head });
 */
export async function importTorchModules(path: string, modules: Record<string, TorchWeightsTarget>): Promise<Record<string, TorchLoadReport>> {
  const entries = checkModules("importTorchModules", modules);
  const { tensors } = await readSafetensorsFile(path);
  const prefixes = entries.map(([key]) => `${key}.`);
  const stray = [...tensors.keys()].filter((name) => !prefixes.some((prefix) => name.startsWith(prefix)));
  if (stray.length > 0) {
    throw new ContrastiveError({ component: "importTorchModules", argument: `${path} state dict`, received: `Unexpected key(s): ${stray.slice(0, 8).map((k) => JSON.stringify(k)).join(", ")}${stray.length > 8 ? ` and ${stray.length - 8} more` : ""}`, expected: `keys under ${prefixes.join(", ")} only` });
  }
  const reports: Record<string, TorchLoadReport> = {};
  for (const [key, target] of entries) reports[key] = loadTorchWeights(target, tensors, { prefix: `${key}.`, source: path });
  return reports;
}
