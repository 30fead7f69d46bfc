export { runCli } from "./run-cli.js";
export { runTraining } from "./run-training.js";
export type { RunInput, RunSummary } from "./run-training.js";
export { DEFAULT_SETTINGS, BACKBONES, HEADS, LOSSES, AUGMENTS, BACKENDS } from "./settings.js";
export type { TrainSettings, ComponentOverrides, ConfigModule } from "./settings.js";
export { UsageError } from "./usage-error.js";
export { writeReport } from "./report/write-report.js";
export type { ReportInput } from "./report/write-report.js";
export { pca2d } from "./report/pca.js";
