/*
 * @contrastive/core: environment-neutral (Node and browsers). File-system helpers are in
 * `@contrastive/core/node`; test helpers in `@contrastive/core/testing`.
 */
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
export { importOptional, lazyOptional } from "./optional-module.js";
export type { OptionalModuleOptions } from "./optional-module.js";
export { parseSafetensors, serializeSafetensors, SAFETENSORS_MAX_HEADER_BYTES } from "./safetensors.js";
export type { Safetensors, SafetensorsTensor, SafetensorsInput } from "./safetensors.js";
export { float16ToFloat32, bfloat16ToFloat32 } from "./half-float.js";
export { DEFAULT_MAX_PIXELS, assertMaxPixels } from "./max-pixels.js";
