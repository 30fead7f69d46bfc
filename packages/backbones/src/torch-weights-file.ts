import { ContrastiveError, describeValue } from "@contrastive/core";
import { readSafetensorsFile, writeSafetensorsFile } from "@contrastive/core/node";
import { resnet } from "./resnet.js";
import { loadBackbone, saveBackbone } from "./save-backbone.js";
import { torchArchitecture } from "./torch-architecture.js";
import type { TorchNames } from "./torch-names.js";
import { type TorchLoadReport, loadTorchWeights, toTorchStateDict } from "./torch-weights.js";

/** Options of {@link importTorchWeights} (the flags of `contrastive import`). */
export interface ImportTorchWeightsOptions {
  /** A `.safetensors` file of a torchvision or timm ResNet state dict (`fc` may be present). */
  weights: string;
  backbone: "resnet18" | "resnet34" | "resnet50";
  /** Default `'imagenet'` (torchvision's 7×7 stem); `'cifar'` for files whose `conv1` is 3×3 with no max-pool. */
  stem?: "imagenet" | "cifar";
  /** Default `'torchvision'`. */
  names?: Extract<TorchNames, "torchvision" | "timm">;
  /** Shape of one image. Default [224, 224, 3] (imagenet stem) or [32, 32, 3] (cifar stem). */
  inputShape?: [number, number, number];
  /** Prefix of the keys in the file, e.g. `'backbone.'`. Default none. */
  prefix?: string;
  /** The model folder to write (read by `loadBackbone`). */
  out: string;
}

/**
 * Reads a PyTorch ResNet's weights from a safetensors file and writes a model folder that
 * `loadBackbone` reads: `contrastive import --weights F --backbone resnet50 [--stem] [--names] --out DIR`.
 * Strict: the file must hold exactly the ResNet's keys (`fc.*` and `num_batches_tracked` aside).
 * Needs a tfjs backend with layers (in Node, `@tensorflow/tfjs` or tfjs-node imported).
 *
 * @returns the keys loaded, and the folder written.
 * @throws {ContrastiveError} for a bad option, a malformed file (path and tensor named), missing or
 *   unexpected keys (listed), or a shape that differs (tensor and both shapes).
 * @example
 * await importTorchWeights({ weights: "resnet50.safetensors", backbone: "resnet50", out: "./models/r50" });
 * const encoder = await loadBackbone("./models/r50");
 */
export async function importTorchWeights(options: ImportTorchWeightsOptions): Promise<TorchLoadReport & { out: string }> {
  const component = "importTorchWeights";
  const { weights, backbone, stem = "imagenet", names = "torchvision", prefix = "", out } = options ?? ({} as ImportTorchWeightsOptions);
  const depth = { resnet18: 18, resnet34: 34, resnet50: 50 }[backbone] as 18 | 34 | 50 | undefined;
  if (depth === undefined) throw new ContrastiveError({ component, argument: "backbone", received: describeValue(backbone), expected: "'resnet18', 'resnet34' or 'resnet50'" });
  if (names !== "torchvision" && names !== "timm") throw new ContrastiveError({ component, argument: "names", received: describeValue(names), expected: "'torchvision' or 'timm'" });
  for (const [argument, value] of [["weights", weights], ["out", out]] as const) {
    if (typeof value !== "string" || value.length === 0) throw new ContrastiveError({ component, argument, received: describeValue(value), expected: "a non-empty path" });
  }
  const { tensors } = await readSafetensorsFile(weights);
  const inputShape = options.inputShape ?? (stem === "cifar" ? [32, 32, 3] : [224, 224, 3]);
  const model = resnet({ depth, stem, inputShape });
  try {
    const report = loadTorchWeights(model, tensors, { names, prefix, source: weights });
    await saveBackbone(model, out);
    return { ...report, out };
  } finally {
    model.dispose();
  }
}

/** Options of {@link exportTorchWeights} (the flags of `contrastive export`). */
export interface ExportTorchWeightsOptions {
  /** A model folder written by `saveBackbone` (or `importTorchWeights`). */
  model: string;
  /** The `.safetensors` file to write. */
  out: string;
  /** Default `'torchvision'` for a ResNet, `'sequential'` for convNet/mlp. */
  names?: TorchNames;
  /** Prefix of every key. Default none. */
  prefix?: string;
}

/**
 * Writes a saved backbone as a PyTorch state dict in safetensors (`contrastive export --model DIR --out F
 * [--names torchvision]`): a ResNet loads into torchvision's with `fc` replaced by `nn.Identity()` and
 * `load_state_dict(strict=True)`; a convNet or mlp into `scale-out/models.py`'s `from_metadata`. The
 * metadata holds `format: 'pt'` and, for a ResNet or a tf.Sequential, `contrastive.backbone` (see
 * `torchArchitecture`). Atomic write.
 *
 * @returns the file written and its number of tensors.
 * @throws {ContrastiveError} when the folder is not a saved backbone, or from `toTorchStateDict`.
 * @example
 * await exportTorchWeights({ model: "./models/r50", out: "r50.safetensors" });
 */
export async function exportTorchWeights(options: ExportTorchWeightsOptions): Promise<{ out: string; tensors: number }> {
  const { model: directory, out, names, prefix } = options ?? ({} as ExportTorchWeightsOptions);
  for (const [argument, value] of [["model", directory], ["out", out]] as const) {
    if (typeof value !== "string" || value.length === 0) throw new ContrastiveError({ component: "exportTorchWeights", argument, received: describeValue(value), expected: "a non-empty path" });
  }
  const backbone = await loadBackbone(directory);
  try {
    const stateDict = toTorchStateDict(backbone, { ...(names ? { names } : {}), ...(prefix ? { prefix } : {}) });
    const metadata: Record<string, string> = { format: "pt" };
    const describable = backbone.model.getClassName() === "Sequential" || /^resnet(18|34|50)$/.test(backbone.name);
    if (describable) metadata["contrastive.backbone"] = JSON.stringify(torchArchitecture(backbone));
    await writeSafetensorsFile(out, stateDict, metadata);
    return { out, tensors: stateDict.size };
  } finally {
    backbone.dispose();
  }
}
