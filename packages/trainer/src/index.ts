export { createTrainer } from "./trainer.js";
export type { Trainer, TrainerOptions, FitOptions, TrainingHistory, StepOptions } from "./trainer.js";
export type { TrainerAugmentation } from "./batch-views.js";
export { momentumEncoder } from "./momentum-encoder.js";
export type { MomentumEncoder, MomentumEncoderOptions } from "./momentum-encoder.js";
export { progressLogger } from "./progress-logger.js";
export type { ProgressLoggerOptions } from "./progress-logger.js";
export { saveCheckpoint, loadCheckpoint, checkpointEvery } from "./checkpoint.js";
export type { CheckpointParts } from "./checkpoint.js";
