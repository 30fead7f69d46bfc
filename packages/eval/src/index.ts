export { extractFeatures } from "./extract-features.js";
export type { ExtractFeaturesOptions } from "./extract-features.js";
export { knnAccuracy } from "./knn-accuracy.js";
export type { KnnAccuracyOptions, KnnAccuracyResult } from "./knn-accuracy.js";
export { evaluateKnn } from "./evaluate-knn.js";
export type { EvaluateKnnOptions } from "./evaluate-knn.js";
export { encodeNpy } from "./encode-npy.js";
export { encodeJsonl, encodeCsv } from "./encode-rows.js";
export type { EmbeddingRow } from "./encode-rows.js";
