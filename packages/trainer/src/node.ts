/* @contrastive/trainer/node: checkpoints on disk (Node only). */
export { saveCheckpoint, loadCheckpoint, checkpointEvery } from "./checkpoint.js";
export type { CheckpointParts } from "./checkpoint.js";
