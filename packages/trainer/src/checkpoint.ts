import * as tf from "@tensorflow/tfjs-core";
import { type Callback, ContrastiveError, type NegativeBank, type Trainable } from "@contrastive/core";
import { fileSystemHandler, restoreBankState, saveBankState } from "@contrastive/core/node";

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

const LATEST = "latest";
const FORMAT = "contrastive-checkpoint/1";
const folderOf = (epoch: number) => `epoch-${String(epoch).padStart(4, "0")}`;

function namedWeights(parts: CheckpointParts): Array<[string, tf.Variable]> {
  const groups: Array<[string, Trainable | undefined]> = [["backbone", parts.backbone], ["head", parts.head], ["target.backbone", parts.target?.backbone], ["target.head", parts.target?.head]];
  return groups.flatMap(([prefix, part]) => (part ? part.weights.map((v, i): [string, tf.Variable] => [`${prefix}/${i}`, v]) : []));
}

/**
 * Saves a checkpoint of `parts` after `epoch` under `directory/epoch-NNNN/` and points
 * `directory/latest` at it. Everything is written in a temporary folder that is renamed into place,
 * then `latest` is replaced by a rename: a crash or a kill at any moment leaves the previous checkpoint
 * whole and `latest` pointing at a complete one. Keeps the newest `keep` checkpoints. Returns the folder.
 *
 * @example
 * await saveCheckpoint("runs/simclr", { backbone, head, optimizer }, { epoch: 3 });
 */
export async function saveCheckpoint(directory: string, parts: CheckpointParts, info: { epoch: number; keep?: number }): Promise<string> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  const { epoch, keep = 2 } = info;
  const weights = namedWeights(parts);
  const slots = parts.optimizer ? await parts.optimizer.getWeights() : [];
  const tensors = [...weights.map(([name, v]) => ({ name, tensor: v as tf.Tensor })), ...slots.map((s) => ({ name: `optimizer/${s.name}`, tensor: s.tensor }))];
  const { data, specs } = await tf.io.encodeWeights(tensors);
  // getWeights() returns the optimizer's own slot variables (keep them) and a fresh iteration count (free it)
  tf.dispose(slots.map((s) => s.tensor).filter((t) => !(t instanceof tf.Variable)));
  await fs.mkdir(directory, { recursive: true });
  const finalFolder = join(directory, folderOf(epoch));
  const temporary = join(directory, `.${folderOf(epoch)}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
  try {
    const topology = { format: FORMAT, epoch, optimizerSlots: slots.length, bank: parts.negatives?.name ?? null };
    await fileSystemHandler(temporary).save!({ modelTopology: topology, weightSpecs: specs, weightData: data, format: FORMAT });
    if (parts.negatives) {
      await saveBankState(parts.negatives, join(temporary, "bank.bin"));
    }
    await fs.rm(finalFolder, { recursive: true, force: true });
    await fs.rename(temporary, finalFolder);
  } finally {
    await fs.rm(temporary, { recursive: true, force: true });
  }
  const pointer = join(directory, `.${LATEST}.tmp-${process.pid}`);
  await fs.writeFile(pointer, folderOf(epoch));
  await fs.rename(pointer, join(directory, LATEST));
  const older = (await fs.readdir(directory)).filter((f) => /^epoch-\d{4}$/.test(f)).sort().reverse();
  for (const stale of older.filter((f) => f !== folderOf(epoch)).slice(Math.max(0, keep - 1))) {
    await fs.rm(join(directory, stale), { recursive: true, force: true });
  }
  return finalFolder;
}

/**
 * Restores the checkpoint `directory/latest` points at (or `directory` itself when it is a checkpoint
 * folder) into `parts`, built the same way as when it was saved. Returns the epoch it was saved after:
 * resume with `fit({ initialEpoch: epoch + 1 })`.
 *
 * @throws {ContrastiveError} naming the path when nothing is there, a file is missing or truncated, or
 *   the parts do not match the saved weights in number and shape.
 */
export async function loadCheckpoint(directory: string, parts: CheckpointParts): Promise<{ epoch: number; folder: string }> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  let folder = directory;
  try {
    folder = join(directory, (await fs.readFile(join(directory, LATEST), "utf8")).trim());
  } catch {
    // no pointer: `directory` is the checkpoint folder itself
  }
  const artifacts = await fileSystemHandler(folder).load!();
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
      if (!value || !tf.util.arraysEqual(value.shape, variable.shape)) {
        fail(`parts (${name})`, `shape [${variable.shape.join(", ")}]`, `[${value?.shape.join(", ") ?? "missing"}], as saved in ${folder}`);
      }
    }
    for (const [name, variable] of weights) variable.assign(saved[name] as tf.Tensor);
    if (parts.optimizer && (topology.optimizerSlots ?? 0) > 0) {
      const slots = Object.entries(saved).filter(([n]) => n.startsWith("optimizer/")).map(([n, tensor]) => ({ name: n.slice("optimizer/".length), tensor }));
      await parts.optimizer.setWeights(slots);
    }
    if (parts.negatives) {
      if (!topology.bank) fail("parts.negatives", `a ${parts.negatives.name}`, `none: ${folder} was saved without a bank`);
      await restoreBankState(parts.negatives, join(folder, "bank.bin"));
    }
    return { epoch: topology.epoch as number, folder };
  } finally {
    tf.dispose(Object.values(saved));
  }
}

/**
 * A callback that saves a checkpoint after every `every` epochs with {@link saveCheckpoint}. A step
 * whose loss is NaN throws before any update, so the last checkpoint stays the last good state.
 *
 * @example
 * createTrainer({ ...components, callbacks: [checkpointEvery({ directory: "runs/simclr", parts: { backbone, head, optimizer } })] });
 */
export function checkpointEvery(options: { directory: string; parts: CheckpointParts; every?: number; keep?: number }): Callback {
  const { directory, parts, every = 1, keep = 2 } = options;
  return {
    async onEpochEnd({ epoch }) {
      if ((epoch + 1) % every === 0) await saveCheckpoint(directory, parts, { epoch, keep });
    },
  };
}
