export { importTorchWeights, exportTorchWeights } from "./torch-weights-file.js";
export type { ImportTorchWeightsOptions, ExportTorchWeightsOptions } from "./torch-weights-file.js";
export { exportTorchModules, importTorchModules } from "./torch-modules-file.js";
