import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "./errors.js";

/** File names a {@link fileSystemHandler} writes in its directory. */
export const MODEL_JSON = "model.json";
/** The one weights file of a {@link fileSystemHandler} (tfjs's `weightsManifest` may list several when reading). */
export const WEIGHTS_BIN = "weights.bin";

const component = "fileSystemHandler";

const bytesPerElement: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

/** Bytes a weight entry takes in a weights file, or undefined where the size depends on the data (strings). */
function entryBytes(entry: tf.io.WeightsManifestEntry): number | undefined {
  const elements = entry.shape.reduce((n, s) => n * s, 1);
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const size = bytesPerElement[dtype];
  return size === undefined ? undefined : elements * size;
}

function fail(argument: string, received: string, expected: string, cause?: unknown): never {
  throw new ContrastiveError({ component, argument, received, expected, ...(cause === undefined ? {} : { cause }) });
}

async function readFile(path: string, what: string): Promise<Uint8Array> {
  const fs = await import("node:fs/promises");
  try {
    return await fs.readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    return fail(path, code === "ENOENT" ? "no such file" : `unreadable (${code ?? String(error)})`, `an existing, readable ${what}, written by model.save(fileSystemHandler(dir))`, error);
  }
}

/**
 * A tfjs `IOHandler` that saves a model to a directory of the local file system as tfjs's standard
 * `model.json` + `weights.bin` and loads it back: Node has no `file://` handler without tfjs-node.
 * Saving is atomic: both files are written under temporary names, then renamed (weights first), so a
 * crash mid-save leaves the previous model intact. Loading checks that every weights file holds
 * exactly the bytes its manifest announces. Uses `node:fs` (imported when called), so Node only.
 *
 * `save` takes the `ModelArtifacts` of `tf.LayersModel.save` (or a graph model's); `load` returns them.
 *
 * @throws {ContrastiveError} (from `load`) naming the path when `model.json` or a weights file is
 *   missing, not valid JSON, has no weights manifest, or is truncated (its byte count and the expected one).
 * @example
 * import * as tf from "@tensorflow/tfjs";
 * await model.save(fileSystemHandler("./checkpoints/encoder"));
 * const again = await tf.loadLayersModel(fileSystemHandler("./checkpoints/encoder"));
 */
export function fileSystemHandler(directory: string): tf.io.IOHandler {
  if (typeof directory !== "string" || directory.length === 0) {
    fail("directory", JSON.stringify(directory) ?? String(directory), "a non-empty path of a directory, e.g. './checkpoints/encoder'");
  }
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const fs = await import("node:fs/promises");
      const { join } = await import("node:path");
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        fail("artifacts.modelTopology", "binary topology", "a JSON topology (tf.LayersModel or a converted graph model)");
      }
      await fs.mkdir(directory, { recursive: true });
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.signature ? { signature: artifacts.signature } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        ...(artifacts.modelInitializer ? { modelInitializer: artifacts.modelInitializer } : {}),
      };
      const text = JSON.stringify(modelJson);
      const suffix = `.tmp-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const weightsPath = join(directory, WEIGHTS_BIN);
      const jsonPath = join(directory, MODEL_JSON);
      try {
        await fs.writeFile(weightsPath + suffix, new Uint8Array(weights));
        await fs.writeFile(jsonPath + suffix, text);
        await fs.rename(weightsPath + suffix, weightsPath);
        await fs.rename(jsonPath + suffix, jsonPath);
      } finally {
        await Promise.all([fs.rm(weightsPath + suffix, { force: true }), fs.rm(jsonPath + suffix, { force: true })]);
      }
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
          modelTopologyBytes: Buffer.byteLength(JSON.stringify(artifacts.modelTopology)),
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(artifacts.weightSpecs ?? [])),
          weightDataBytes: weights.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const { join, dirname } = await import("node:path");
      const jsonPath = join(directory, MODEL_JSON);
      const bytes = await readFile(jsonPath, "model.json");
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(new TextDecoder().decode(bytes)) as tf.io.ModelJSON;
      } catch (error) {
        return fail(jsonPath, `${bytes.byteLength} bytes that are not valid JSON (truncated or corrupt)`, "the complete model.json of a saved model", error);
      }
      if (modelJson === null || typeof modelJson !== "object" || modelJson.modelTopology == null || !Array.isArray(modelJson.weightsManifest)) {
        fail(jsonPath, "JSON without modelTopology and weightsManifest", "a tfjs model.json with modelTopology and weightsManifest");
      }
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          const groupBuffers: Uint8Array[] = [];
          for (const path of group.paths) {
            const file = join(dirname(jsonPath), path);
            groupBuffers.push(await readFile(file, "weights file"));
          }
          const got = groupBuffers.reduce((n, b) => n + b.byteLength, 0);
          const sizes = group.weights.map(entryBytes);
          if (sizes.every((s) => s !== undefined)) {
            const want = (sizes as number[]).reduce((n, s) => n + s, 0);
            if (got !== want) {
              const files = group.paths.map((p) => join(dirname(jsonPath), p)).join(", ");
              fail(files, `${got} bytes (${got < want ? "truncated" : "too long"})`, `${want} bytes, as the weights manifest of ${jsonPath} lists`);
            }
          }
          specs.push(...group.weights);
          for (const b of groupBuffers) buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}
