export { createTrainer } from "./trainer.js";
export type { Trainer, TrainerOptions, FitOptions, TrainingHistory } from "./trainer.js";
export { progressLogger } from "./progress-logger.js";
export type { ProgressLoggerOptions } from "./progress-logger.js";
