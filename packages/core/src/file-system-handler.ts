import * as tf from "@tensorflow/tfjs-core";
import { sha256Hex } from "./checksum.js";
import { confinePath } from "./confine-path.js";
import { writeFileDurably } from "./durable-write.js";
import { ContrastiveError } from "./errors.js";
import { withFileSystemFaults } from "./fs-fault.js";
import { nextWeightsName, removeSuperseded } from "./weights-file-name.js";

/** File names a {@link fileSystemHandler} writes in its directory. */
export const MODEL_JSON = "model.json";
/**
 * The weights file of a {@link fileSystemHandler}'s first save into a folder; a save over an existing model
 * writes `weights-<16 hex>.bin` instead (alternating), so the model.json in place always names complete
 * weights (tfjs's `weightsManifest` may list several files when reading).
 */
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
    return fail(path, code === "ENOENT" ? "no such file" : code === "EISDIR" ? "EISDIR (a folder, not a file)" : `unreadable (${code ?? String(error)})`, `an existing, readable ${what}, written by model.save(fileSystemHandler(dir))`, error);
  }
}

/** Options of {@link fileSystemHandler}. */
export interface FileSystemHandlerOptions {
  /**
   * Follow weights files that are symlinks to places outside the directory (model caches made of
   * symlinks into a blob store). Default false: such a file is refused, as are `..` and absolute
   * paths in the weights manifest (always).
   */
  allowSymlinks?: boolean;
}

/** The checksums a saved model.json carries: SHA-256 of each weights file, by its manifest path. */
type ChecksummedModelJSON = tf.io.ModelJSON & { checksums?: { sha256?: Record<string, string> } };

/**
 * A tfjs `IOHandler` that saves a model to a directory of the local file system as tfjs's standard
 * `model.json` + `weights.bin` and loads it back: Node has no `file://` handler without tfjs-node.
 * Saving is atomic: both files are written under temporary names and flushed; the weights are renamed to a
 * name the current model.json does not use, then model.json is replaced by one rename (the commit) and
 * only then is the old weights file removed, so a kill at any instant leaves the previous or the new model
 * whole. Loading checks that every weights file holds
 * exactly the bytes its manifest announces and, for files it wrote, their SHA-256 (recorded in
 * `model.json` under `checksums.sha256`): a corrupted byte is refused with the path. A model.json
 * without checksums (older saves, other tools) is accepted with the size checks only. Loading reads
 * only inside `directory`: weights paths that are absolute, climb out with `..` or are symlinks to
 * elsewhere are refused (opt out of the symlink check with `{ allowSymlinks: true }`). Uses `node:fs`
 * (imported when called), so Node only.
 *
 * `save` takes the `ModelArtifacts` of `tf.LayersModel.save` (or a graph model's); `load` returns them.
 *
 * @throws {ContrastiveError} (from `load`) naming the path when `model.json` or a weights file is
 *   missing, not valid JSON, has no weights manifest, is truncated (its byte count and the expected
 *   one), fails its checksum or lies outside `directory`; (from `save`) naming the operation and path
 *   of a file-system fault (ENOSPC, EACCES, EROFS, …).
 * @example
 * import * as tf from "@tensorflow/tfjs";
 * await model.save(fileSystemHandler("./checkpoints/encoder"));
 * const again = await tf.loadLayersModel(fileSystemHandler("./checkpoints/encoder"));
 */
export function fileSystemHandler(directory: string, options: FileSystemHandlerOptions = {}): tf.io.IOHandler {
  const allowSymlinks = options.allowSymlinks === true;
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
      // (non-recursive first: a recursive mkdir on a read-only file system reports ENOENT instead of EROFS)
      await withFileSystemFaults(component, "mkdir", directory, () =>
        fs.mkdir(directory).catch((error: { code?: string }) => (error.code === "EEXIST" ? undefined : error.code === "ENOENT" ? fs.mkdir(directory, { recursive: true }) : Promise.reject(error))),
      );
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const sha256 = await sha256Hex(new Uint8Array(weights));
      const weightsName = await nextWeightsName(directory, sha256, WEIGHTS_BIN);
      const modelJson: ChecksummedModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [`./${weightsName}`], weights: artifacts.weightSpecs ?? [] }],
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.signature ? { signature: artifacts.signature } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
        ...(artifacts.modelInitializer ? { modelInitializer: artifacts.modelInitializer } : {}),
        checksums: { sha256: { [`./${weightsName}`]: sha256 } },
      };
      const text = JSON.stringify(modelJson);
      const suffix = `.tmp-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      const weightsPath = join(directory, weightsName);
      const jsonPath = join(directory, MODEL_JSON);
      try {
        await writeFileDurably(component, weightsPath + suffix, new Uint8Array(weights));
        await writeFileDurably(component, jsonPath + suffix, text);
        // weights first, under a name the current model.json does not use; then model.json: the commit
        await withFileSystemFaults(component, "rename", weightsPath, () => fs.rename(weightsPath + suffix, weightsPath));
        await withFileSystemFaults(component, "rename", jsonPath, () => fs.rename(jsonPath + suffix, jsonPath));
      } finally {
        await Promise.all([fs.rm(weightsPath + suffix, { force: true }), fs.rm(jsonPath + suffix, { force: true })]);
      }
      await removeSuperseded(directory, weightsName);
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
      const jsonPath = await confinePath(directory, MODEL_JSON, { component, allowSymlinks });
      const bytes = await readFile(jsonPath, "model.json");
      let modelJson: ChecksummedModelJSON;
      try {
        modelJson = JSON.parse(new TextDecoder().decode(bytes)) as ChecksummedModelJSON;
      } catch (error) {
        return fail(jsonPath, `${bytes.byteLength} bytes that are not valid JSON (truncated or corrupt)`, "the complete model.json of a saved model", error);
      }
      if (modelJson === null || typeof modelJson !== "object" || modelJson.modelTopology == null || !Array.isArray(modelJson.weightsManifest)) {
        fail(jsonPath, "JSON without modelTopology and weightsManifest", "a tfjs model.json with modelTopology and weightsManifest");
      }
      const sums = modelJson.checksums?.sha256 ?? {};
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          const groupBuffers: Uint8Array[] = [];
          const files: string[] = [];
          for (const path of group.paths) {
            const file = await confinePath(directory, path, { component, allowSymlinks });
            files.push(file);
            groupBuffers.push(await readFile(file, "weights file"));
          }
          const got = groupBuffers.reduce((n, b) => n + b.byteLength, 0);
          const sizes = group.weights.map(entryBytes);
          if (sizes.every((s) => s !== undefined)) {
            const want = (sizes as number[]).reduce((n, s) => n + s, 0);
            if (got !== want) {
              fail(files.join(", "), `${got} bytes (${got < want ? "truncated" : "too long"})`, `${want} bytes, as the weights manifest of ${jsonPath} lists`);
            }
          }
          for (const [i, path] of group.paths.entries()) {
            const want = sums[path];
            const content = groupBuffers[i] as Uint8Array;
            if (want !== undefined && (await sha256Hex(content)) !== want) {
              fail(files[i] as string, `${content.byteLength} bytes whose SHA-256 differs from the one model.json records (corrupted)`, `the file saved with ${jsonPath}; restore it from a backup or an earlier checkpoint`);
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
