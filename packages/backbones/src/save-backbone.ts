import * as tfl from "@tensorflow/tfjs-layers";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { MODEL_JSON, fileSystemHandler } from "@contrastive/core/node";
import { type LayersBackbone, type LayersBackboneInfo, layersBackbone } from "./layers-backbone.js";

/** What `saveBackbone` stores in model.json's `userDefinedMetadata` to rebuild the wrapper. */
interface SavedBackboneInfo extends LayersBackboneInfo {
  kind: "backbone";
  version: 1;
}

/**
 * Saves a backbone built by this package (`resnet`, `convNet`, `mlp`, `fromModel`, `layersBackbone`)
 * to `directory` as tfjs's `model.json` + `weights.bin` (atomically, see `fileSystemHandler` in
 * `@contrastive/core`), with what {@link loadBackbone} needs to rebuild the wrapper (name, input
 * shape, output size, frozen or not) in `userDefinedMetadata.contrastive`. Batch-norm running
 * averages are saved too. Custom layer classes must be registered with `tf.serialization.registerClass`.
 *
 * @throws {ContrastiveError} for a backbone without a tfjs-layers `model`.
 * @example
 * await saveBackbone(resnet({ depth: 18, stem: "cifar", inputShape: [32, 32, 3] }), "./out/encoder");
 */
export async function saveBackbone(backbone: LayersBackbone, directory: string): Promise<void> {
  const model = (backbone as Partial<LayersBackbone> | undefined)?.model;
  if (model == null || typeof model.save !== "function") {
    throw new ContrastiveError({ component: "saveBackbone", argument: "backbone", received: describeValue(backbone), expected: "a backbone with a tfjs-layers model (resnet, convNet, mlp, fromModel or layersBackbone)" });
  }
  const info: SavedBackboneInfo = { kind: "backbone", version: 1, name: backbone.name, inputShape: [...backbone.inputShape], outputDim: backbone.outputDim, trainable: backbone.trainable };
  model.setUserDefinedMetadata({ ...(model.getUserDefinedMetadata() ?? {}), contrastive: info });
  await model.save(fileSystemHandler(directory));
}

/**
 * Loads a backbone written by {@link saveBackbone}: the same layers, weights and running averages,
 * so it gives identical outputs, in this or a fresh process.
 *
 * @throws {ContrastiveError} naming the file when model.json or weights.bin is missing or truncated,
 *   or corrupted (SHA-256), when a weights path leaves `directory` (`..`, absolute, or a symlink to
 *   elsewhere unless `options.allowSymlinks`, for model caches made of symlinks), or when model.json was not written by `saveBackbone`.
 * @example
 * const encoder = await loadBackbone("./out/encoder");
 */
export async function loadBackbone(directory: string, options: { allowSymlinks?: boolean } = {}): Promise<LayersBackbone> {
  const model = await tfl.loadLayersModel(fileSystemHandler(directory, { allowSymlinks: options.allowSymlinks === true }));
  const info = (model.getUserDefinedMetadata() as { contrastive?: SavedBackboneInfo } | undefined)?.contrastive;
  if (info?.kind !== "backbone") {
    model.dispose();
    throw new ContrastiveError({ component: "loadBackbone", argument: `${directory}/${MODEL_JSON}`, received: `userDefinedMetadata.contrastive ${describeValue(info?.kind)}`, expected: "a model saved by saveBackbone (kind 'backbone'); load other models with tf.loadLayersModel(fileSystemHandler(dir)) and fromModel" });
  }
  return layersBackbone(model, { name: info.name, inputShape: info.inputShape, outputDim: info.outputDim, trainable: info.trainable ?? true });
}
