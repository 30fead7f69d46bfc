import * as tf from "@tensorflow/tfjs-core";
import { type Callback, ContrastiveError, type NegativeBank, type Trainable } from "@contrastive/core";
import { fileSystemHandler, restoreBankState, saveBankState } from "@contrastive/core/node";
import { folderOf, publish, removeStale, resolveLatest, uniqueSuffix, withLock } from "./checkpoint-folder.js";

/** What a checkpoint holds: the weights of each part (batch-norm statistics included), the optimizer's state, a bank. */
export interface CheckpointParts {
  backbone: Trainable;
  head?: Trainable;
  /** Its slots (e.g. Adam's moments) are saved and restored in the order of the trainer's variables. */
  optimizer?: tf.Optimizer;
  negatives?: NegativeBank;
  /** The target network of a momentum encoder. */
  target?: { backbone: Trainable; head?: Trainable };
}

const FORMAT = "contrastive-checkpoint/1";

function namedWeights(parts: CheckpointParts): Array<[string, tf.Variable]> {
  const groups: Array<[string, Trainable | undefined]> = [["backbone", parts.backbone], ["head", parts.head], ["target.backbone", parts.target?.backbone], ["target.head", parts.target?.head]];
  return groups.flatMap(([prefix, part]) => (part ? part.weights.map((v, i): [string, tf.Variable] => [`${prefix}/${i}`, v]) : []));
}

/**
 * Saves a checkpoint of `parts` after `epoch` under `directory/epoch-NNNN/` and points
 * `directory/latest` at it. Crash-safe at every instant: everything is written (and flushed) in a
 * temporary folder, renamed to a name no reader uses yet (`epoch-NNNN`, or `epoch-NNNN-rK` when that
 * epoch was saved before: a published folder is never modified in place), then `latest` is replaced
 * by an atomic rename, and only then are superseded folders moved aside and deleted. A kill at any
 * moment leaves `latest` naming a complete checkpoint; temporary folders of killed saves are removed
 * by the next save. Savers in several processes take turns on `directory/.lock` to publish. Keeps the
 * newest `keep` epochs (and always the one `latest` names). Returns the folder.
 *
 * @throws {ContrastiveError} naming the operation and the path of a file-system fault (ENOSPC, EACCES,
 *   EROFS, …); the previous checkpoint is then untouched.
 * @example
 * await saveCheckpoint("runs/simclr", { backbone, head, optimizer }, { epoch: 3 });
 */
export async function saveCheckpoint(directory: string, parts: CheckpointParts, info: { epoch: number; keep?: number }): Promise<string> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  const { epoch, keep = 2 } = info;
  if (!Number.isInteger(epoch) || epoch < 0) throw new ContrastiveError({ component: "saveCheckpoint", argument: "info.epoch", received: String(epoch), expected: "an integer ≥ 0" });
  const weights = namedWeights(parts);
  const slots = parts.optimizer ? await parts.optimizer.getWeights() : [];
  const tensors = [...weights.map(([name, v]) => ({ name, tensor: v as tf.Tensor })), ...slots.map((s) => ({ name: `optimizer/${s.name}`, tensor: s.tensor }))];
  const { data, specs } = await tf.io.encodeWeights(tensors);
  // getWeights() returns the optimizer's own slot variables (keep them) and a fresh iteration count (free it)
  tf.dispose(slots.map((s) => s.tensor).filter((t) => !(t instanceof tf.Variable)));
  try {
    await fs.mkdir(directory, { recursive: true });
  } catch (error) {
    throw new ContrastiveError({ component: "saveCheckpoint", argument: directory, received: String((error as { code?: string }).code ?? error), expected: "a folder that can be created and written (mkdir)", cause: error });
  }
  const temporary = join(directory, `.${folderOf(epoch)}.tmp-${uniqueSuffix()}`);
  try {
    const topology = { format: FORMAT, epoch, optimizerSlots: slots.length, bank: parts.negatives?.name ?? null };
    await fileSystemHandler(temporary).save!({ modelTopology: topology, weightSpecs: specs, weightData: data, format: FORMAT });
    if (parts.negatives) await saveBankState(parts.negatives, join(temporary, "bank.bin"));
    return await withLock(directory, async () => {
      await removeStale(directory);
      return publish(directory, temporary, epoch, keep);
    });
  } finally {
    await fs.rm(temporary, { recursive: true, force: true });
  }
}

/**
 * Restores the checkpoint `directory/latest` points at (or `directory` itself when it is a checkpoint
 * folder) into `parts`, built the same way as when it was saved. Returns the epoch it was saved after:
 * resume with `fit({ initialEpoch: epoch + 1 })`.
 *
 * Everything is read and checked before anything is assigned — names, shapes and dtypes of every
 * weight and optimizer slot, every file present, the checksums of `weights.bin` and `bank.bin` — so a
 * refused load leaves every variable, optimizer slot, bank and momentum encoder exactly as it was.
 * `latest` must name a folder beside it (`epoch-NNNN`, `epoch-NNNN-rK`); nothing outside `directory`
 * is read unless `{ allowSymlinks: true }` (symlinked folders or files; `..` is refused always).
 *
 * @throws {ContrastiveError} naming the path when nothing is there, a file is missing, truncated or
 *   corrupted, `latest` names something else, or the parts do not match the saved weights.
 * @example
 * const { epoch } = await loadCheckpoint("runs/simclr", { backbone, head, optimizer });
 */
export async function loadCheckpoint(directory: string, parts: CheckpointParts, options: { allowSymlinks?: boolean } = {}): Promise<{ epoch: number; folder: string }> {
  const allowSymlinks = options.allowSymlinks === true;
  // A reader concurrent with savers: a folder it resolved may be rotated away while it reads; resolve again.
  for (let attempt = 0; ; attempt++) {
    const folder = await resolveLatest(directory, allowSymlinks);
    try {
      return await loadFolder(folder, parts, allowSymlinks);
    } catch (error) {
      if (attempt >= 4 || folder === directory || (await resolveLatest(directory, allowSymlinks)) === folder) throw error;
    }
  }
}

async function loadFolder(folder: string, parts: CheckpointParts, allowSymlinks: boolean): Promise<{ epoch: number; folder: string }> {
  const { join } = await import("node:path");
  const artifacts = await fileSystemHandler(folder, { allowSymlinks }).load!();
  const topology = artifacts.modelTopology as { format?: string; epoch?: number; optimizerSlots?: number; bank?: string | null };
  const fail = (argument: string, received: string, expected: string): never => {
    throw new ContrastiveError({ component: "loadCheckpoint", argument, received, expected });
  };
  if (topology?.format !== FORMAT || typeof topology.epoch !== "number") fail(folder, "a model.json that is not a checkpoint", `a folder written by saveCheckpoint (${FORMAT})`);
  const saved = tf.io.decodeWeights(artifacts.weightData as ArrayBuffer, artifacts.weightSpecs ?? []);
  try {
    const weights = namedWeights(parts);
    const savedNames = Object.keys(saved).filter((n) => !n.startsWith("optimizer/"));
    if (savedNames.length !== weights.length) fail("parts", `${weights.length} weights`, `the ${savedNames.length} weights saved in ${folder} (same backbone, head and target as when saving)`);
    for (const [name, variable] of weights) {
      const value = saved[name];
      if (!value || !tf.util.arraysEqual(value.shape, variable.shape) || value.dtype !== variable.dtype) {
        fail(`parts (${name})`, `${variable.dtype} [${variable.shape.join(", ")}]`, `${value ? `${value.dtype} [${value.shape.join(", ")}]` : "present"}, as saved in ${folder}`);
      }
    }
    const slots = Object.entries(saved).filter(([n]) => n.startsWith("optimizer/")).map(([n, tensor]) => ({ name: n.slice("optimizer/".length), tensor }));
    if (parts.optimizer && slots.length > 0) checkSlots(slots, [...parts.backbone.trainableWeights, ...(parts.head?.trainableWeights ?? [])], folder);
    if (parts.negatives && !topology.bank) fail("parts.negatives", `a ${parts.negatives.name}`, `none: ${folder} was saved without a bank`);
    // Validated. The bank file is read and checked completely before the bank is touched; then the rest.
    if (parts.negatives) await restoreBankState(parts.negatives, await confined(folder, "bank.bin", allowSymlinks));
    for (const [name, variable] of weights) variable.assign(saved[name] as tf.Tensor);
    if (parts.optimizer && slots.length > 0) await parts.optimizer.setWeights(slots);
    return { epoch: topology.epoch as number, folder };
  } finally {
    tf.dispose(Object.values(saved));
  }
}

/** Optimizer slots: an `iter` count, then k groups of one slot per trainable variable, in order. */
function checkSlots(slots: Array<{ name: string; tensor: tf.Tensor }>, trainable: tf.Variable[], folder: string): void {
  const perVariable = slots.filter((s) => s.name !== "iter");
  const n = trainable.length;
  const bad = perVariable.findIndex((s, j) => n === 0 || s.tensor.dtype !== "float32" || !tf.util.arraysEqual(s.tensor.shape, trainable[j % n]!.shape));
  if ((n === 0 ? perVariable.length > 0 : perVariable.length % n !== 0) || bad >= 0) {
    const slot = perVariable[Math.max(0, bad)];
    throw new ContrastiveError({
      component: "loadCheckpoint",
      argument: "parts.optimizer",
      received: `${n} trainable variables; slot ${slot?.name ?? "?"} saved as ${slot?.tensor.dtype} [${slot?.tensor.shape.join(", ")}] of ${perVariable.length} slots`,
      expected: `the optimizer state saved in ${folder} for the same trainable variables (float32, one slot per variable in order)`,
    });
  }
}

async function confined(folder: string, name: string, allowSymlinks: boolean): Promise<string> {
  const fs = await import("node:fs/promises");
  const { join, relative, isAbsolute } = await import("node:path");
  const path = join(folder, name);
  if (allowSymlinks) return path;
  const [realFolder, realFile] = await Promise.all([fs.realpath(folder), fs.realpath(path).catch(() => path)]);
  const rel = relative(realFolder, realFile);
  if (rel.startsWith("..") || isAbsolute(rel)) {
    throw new ContrastiveError({ component: "loadCheckpoint", argument: path, received: `a symlink to ${realFile}, outside ${folder}`, expected: "a file inside the checkpoint folder (or pass { allowSymlinks: true })" });
  }
  return path;
}

/**
 * A callback that saves a checkpoint after every `every` epochs with {@link saveCheckpoint}. A step
 * whose loss is NaN throws before any update, so the last checkpoint stays the last good state.
 * A run that stops early — `trainer.stop()`, a callback returning false, or a failed worker (see
 * `workerPool`) — is also saved when it trained steps since the last save, labelled with the epoch it
 * stopped in (possibly unfinished: resume with `initialEpoch` = that epoch to run it again).
 *
 * @example
 * createTrainer({ ...components, callbacks: [checkpointEvery({ directory: "runs/simclr", parts: { backbone, head, optimizer } })] });
 */
export function checkpointEvery(options: { directory: string; parts: CheckpointParts; every?: number; keep?: number }): Callback {
  const { directory, parts, every = 1, keep = 2 } = options;
  let [epochNow, unsaved] = [0, 0];
  return {
    onEpochBegin(epoch) {
      epochNow = epoch;
    },
    onStepEnd() {
      unsaved++;
    },
    async onEpochEnd({ epoch }) {
      if ((epoch + 1) % every === 0) {
        await saveCheckpoint(directory, parts, { epoch, keep });
        unsaved = 0;
      }
    },
    async onTrainEnd({ stopped }) {
      if (stopped && unsaved > 0) await saveCheckpoint(directory, parts, { epoch: epochNow, keep });
      unsaved = 0;
    },
  };
}
