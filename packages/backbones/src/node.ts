/* @contrastive/backbones/node: saving and loading backbones as files (Node only). */
export { saveBackbone, loadBackbone } from "./save-backbone.js";
export { importTorchWeights, exportTorchWeights } from "./torch-weights-file.js";
export type { ImportTorchWeightsOptions, ExportTorchWeightsOptions } from "./torch-weights-file.js";
export { exportTorchModules, importTorchModules } from "./torch-modules-file.js";
