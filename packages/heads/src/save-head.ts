import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { MODEL_JSON, fileSystemHandler } from "@contrastive/core/node";
import { type LayersHead, layersHead } from "./layers-head.js";
import { registerHeadLayers } from "./plain-batch-norm.js";

/** What `saveHead` stores in model.json's `userDefinedMetadata` to rebuild the wrapper. */
interface SavedHeadInfo {
  kind: "head";
  version: 1;
  name: string;
  inputDim: number;
  outputDim: number;
}

/**
 * Saves a head of this package (`projectionHead`, the presets, `layersHead`) to `directory` as tfjs's
 * `model.json` + `weights.bin`, atomically (see `fileSystemHandler` in `@contrastive/core`), with its
 * name and sizes in `userDefinedMetadata.contrastive` for {@link loadHead}. Batch-norm running averages are saved too.
 *
 * @throws {ContrastiveError} for a head without a tfjs-layers `model`.
 * @example
 * await saveHead(simclrHead({ inputDim: 512 }), "./out/head");
 */
export async function saveHead(head: LayersHead, directory: string): Promise<void> {
  const model = (head as Partial<LayersHead> | undefined)?.model;
  if (model == null || typeof model.save !== "function") {
    throw new ContrastiveError({ component: "saveHead", argument: "head", received: describeValue(head), expected: "a head with a tfjs-layers model (projectionHead, a preset or layersHead)" });
  }
  const info: SavedHeadInfo = { kind: "head", version: 1, name: head.name, inputDim: head.inputDim, outputDim: head.outputDim };
  model.setUserDefinedMetadata({ ...(model.getUserDefinedMetadata() ?? {}), contrastive: info });
  await model.save(fileSystemHandler(directory));
}

/**
 * Loads a head written by {@link saveHead}, with identical outputs, in this or a fresh process.
 *
 * @throws {ContrastiveError} naming the file when model.json or weights.bin is missing or truncated,
 *   or corrupted (SHA-256), when a weights path leaves `directory` (`..`, absolute, or a symlink to
 *   elsewhere unless `options.allowSymlinks`, for model caches made of symlinks), or when model.json was not written by `saveHead`.
 * @example
 * const head = await loadHead("./out/head");
 */
export async function loadHead(directory: string, options: { allowSymlinks?: boolean } = {}): Promise<LayersHead> {
  registerHeadLayers();
  const model = await tfl.loadLayersModel(fileSystemHandler(directory, { allowSymlinks: options.allowSymlinks === true }));
  const info = (model.getUserDefinedMetadata() as { contrastive?: SavedHeadInfo } | undefined)?.contrastive;
  if (info?.kind !== "head") {
    model.dispose();
    throw new ContrastiveError({ component: "loadHead", argument: `${directory}/${MODEL_JSON}`, received: `userDefinedMetadata.contrastive ${describeValue(info?.kind)}`, expected: "a model saved by saveHead (kind 'head')" });
  }
  return layersHead(model, { name: info.name, inputDim: info.inputDim, outputDim: info.outputDim });
}
