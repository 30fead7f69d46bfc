import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { exportTorchWeights, importTorchWeights } from "@contrastive/backbones/node";
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { type CommandSpec, choiceFlag, helpText, parseFlags, requiredFlag } from "../flags.js";
import { BACKENDS } from "../settings.js";
import { UsageError } from "../usage-error.js";

const NAMES_IN = ["torchvision", "timm"] as const;
const NAMES_OUT = ["torchvision", "timm", "sequential"] as const;
const BACKBONES = ["resnet18", "resnet34", "resnet50"] as const;

/** `contrastive import`: its flags and help. */
export const importSpec: CommandSpec = {
  name: "import",
  short: "read torchvision or timm ResNet weights (.safetensors) into a model folder",
  summary: "Reads a PyTorch state dict saved as safetensors (torchvision's or timm's ResNet-18/34/50 names; F32, F16 or BF16) and\nwrites a model folder that loadBackbone, embed and eval read. fc is optional and ignored; mismatched names are listed.",
  usage: "contrastive import --weights FILE.safetensors --backbone resnet18|resnet34|resnet50 --out DIR [--stem imagenet|cifar] [--names torchvision|timm]",
  flags: {
    weights: { type: "string", value: "FILE", description: "the .safetensors file (e.g. safetensors.torch.save_file(model.state_dict(), FILE))" },
    backbone: { type: "string", value: "NAME", description: "resnet18 | resnet34 | resnet50" },
    stem: { type: "string", value: "NAME", description: "imagenet (7×7 conv + max pool, default) | cifar (3×3 conv)" },
    names: { type: "string", value: "NAME", description: "torchvision (default) | timm" },
    "image-size": { type: "string", value: "N", description: "input side the folder is saved for (default 224, 32 with --stem cifar)" },
    out: { type: "string", value: "DIR", description: "model folder to write (model.json + weights.bin)" },
    backend: { type: "string", value: "NAME", description: "auto (default), tensorflow, wasm or cpu" },
  },
  notes: ["example: contrastive import --weights resnet50.safetensors --backbone resnet50 --out ./r50"],
};

/** `contrastive export`: its flags and help. */
export const exportSpec: CommandSpec = {
  name: "export",
  short: "write a model folder's weights as safetensors with PyTorch's names",
  summary: "Writes the weights of a model folder (or a run's encoder) as a float32 safetensors file with torchvision's names (ResNets),\nwhich torchvision's model loads with load_state_dict(strict=True) once its fc is dropped; 'sequential' names for the ConvNet\nand MLPs (the modules of scale-out/models.py).",
  usage: "contrastive export --model DIR --out FILE.safetensors [--names torchvision|timm|sequential]",
  flags: {
    model: { type: "string", value: "DIR", description: "a model folder (model.json) or a run folder of contrastive train" },
    out: { type: "string", value: "FILE", description: "the .safetensors file to write" },
    names: { type: "string", value: "NAME", description: "torchvision (default for ResNets) | timm | sequential" },
    backend: { type: "string", value: "NAME", description: "auto (default), tensorflow, wasm or cpu" },
  },
  notes: ["example: contrastive export --model runs/a --out encoder.safetensors"],
};

/** Runs `contrastive import`. */
export async function importWeights(argv: string[]): Promise<number> {
  const values = parseFlags(importSpec, argv);
  if (!values) return (console.log(helpText(importSpec)), 0);
  const weights = requiredFlag("weights", values.weights, "a .safetensors file of PyTorch weights");
  if (!existsSync(weights) || !statSync(weights).isFile()) throw new UsageError(`--weights ${weights}: no such file; expected a .safetensors file`);
  const backbone = choiceFlag("--backbone", requiredFlag("backbone", values.backbone, "resnet18, resnet34 or resnet50"), BACKBONES);
  const stem = choiceFlag("--stem", (values.stem as string | undefined) ?? "imagenet", ["imagenet", "cifar"] as const);
  const names = choiceFlag("--names", (values.names as string | undefined) ?? "torchvision", NAMES_IN);
  const out = requiredFlag("out", values.out, "the model folder to write");
  const sideText = values["image-size"] as string | undefined;
  const side = sideText === undefined ? (stem === "cifar" ? 32 : 224) : Number(sideText);
  if (!Number.isInteger(side) || side < 8) throw new UsageError(`--image-size must be an integer ≥ 8; got '${sideText}'`);
  await selectBackend(choiceFlag("--backend", (values.backend as string | undefined) ?? "auto", BACKENDS) as BackendPreference);
  const report = await importTorchWeights({ weights, backbone, stem, names, inputShape: [side, side, 3], out });
  console.log(`imported ${report.loaded.length} tensors into ${out} (${backbone}, ${stem} stem, ${names} names${report.unexpected.length > 0 ? `; ignored ${report.unexpected.join(", ")}` : ""})`);
  return 0;
}

/** Runs `contrastive export`. */
export async function exportWeights(argv: string[]): Promise<number> {
  const values = parseFlags(exportSpec, argv);
  if (!values) return (console.log(helpText(exportSpec)), 0);
  const given = requiredFlag("model", values.model, "a model folder or a run folder");
  const model = [join(given, "encoder"), given].find((folder) => existsSync(join(folder, "model.json")));
  if (!model) throw new UsageError(`--model ${given}: no model.json there nor in ${join(given, "encoder")}; expected a model folder or a run folder of contrastive train`);
  const out = requiredFlag("out", values.out, "the .safetensors file to write");
  const names = values.names === undefined ? undefined : choiceFlag("--names", values.names as string, NAMES_OUT);
  await selectBackend(choiceFlag("--backend", (values.backend as string | undefined) ?? "auto", BACKENDS) as BackendPreference);
  const { tensors } = await exportTorchWeights({ model, out, ...(names ? { names } : {}) });
  console.log(`wrote ${tensors} tensors to ${out}`);
  return 0;
}
