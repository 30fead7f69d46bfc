/* @contrastive/trainer/node: checkpoints on disk (Node only). */
export { saveCheckpoint, loadCheckpoint, checkpointEvery } from "./checkpoint.js";
export type { CheckpointParts } from "./checkpoint.js";
export { workerPool } from "./worker-pool.js";
export type { WorkerPoolOptions } from "./worker-pool.js";
