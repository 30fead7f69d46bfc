export type {
  EmbeddingBatch,
  Loss,
  Augmentation,
  ForwardOptions,
  Trainable,
  Backbone,
  Head,
  Sampler,
  MinedTriplets,
  Miner,
  MinedPairs,
  PairMiner,
  NegativeBank,
  BankContext,
  BankState,
  DataSource,
  RawImage,
  ImageViewsAugmentation,
  StepInfo,
  EpochInfo,
  Callback,
} from "./contracts.js";
export { ContrastiveError, MissingDependencyError, NonFiniteError, describeValue } from "./errors.js";
export type { ContrastiveErrorOptions } from "./errors.js";
export { createRng } from "./rng.js";
export type { Rng } from "./rng.js";
export { l2Normalize, cosineSimilarityMatrix, euclideanDistanceMatrix } from "./tensor-ops.js";
export { assertPositive, assertInteger, assertShape } from "./validate.js";
export { selectBackend, ensureGradients, hasGradients } from "./backend.js";
export type { BackendPreference, BackendSelection, SkippedBackend, ModuleImporter } from "./backend.js";
export { registerWasmTrainingKernels } from "./wasm-kernels.js";
export { trainableFromLayersModel } from "./layers-adapter.js";
export type { LayersModelLike } from "./layers-adapter.js";
export { fileSystemHandler, MODEL_JSON, WEIGHTS_BIN } from "./file-system-handler.js";
export { saveBankState, restoreBankState } from "./bank-file.js";
