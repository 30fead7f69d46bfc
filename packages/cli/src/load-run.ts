import { existsSync } from "node:fs";
import { join } from "node:path";
import type { LayersBackbone } from "@contrastive/backbones";
import { loadBackbone } from "@contrastive/backbones/node";
import { type BackendPreference, selectBackend } from "@contrastive/core";
import { choiceFlag } from "./flags.js";
import { BACKENDS } from "./settings.js";
import { UsageError } from "./usage-error.js";

/**
 * Selects the backend and loads the encoder of `--model`: a run folder of `contrastive train`
 * (its `encoder/`) or an encoder folder written by saveBackbone (`model.json` + `weights.bin`).
 *
 * @throws {UsageError} naming `--model` when neither is there, and `--backend` when it is not a known backend.
 */
export async function loadRunEncoder(model: string | undefined, backend: string | undefined, log: (line: string) => void): Promise<LayersBackbone> {
  if (!model) throw new UsageError("--model is required: a run folder of contrastive train (or an encoder folder with model.json)");
  const folder = [join(model, "encoder"), model].find((candidate) => existsSync(join(candidate, "model.json")));
  if (!folder) throw new UsageError(`--model ${model}: no encoder found (${join(model, "encoder", "model.json")} or ${join(model, "model.json")}); expected a run folder of contrastive train`);
  const selection = await selectBackend(choiceFlag("--backend", backend ?? "auto", BACKENDS) as BackendPreference);
  log(`backend: ${selection.backend} (${selection.packageName})`);
  return loadBackbone(folder);
}
