export { extractFeatures } from "./extract-features.js";
export type { ExtractFeaturesOptions } from "./extract-features.js";
export { knnAccuracy } from "./knn-accuracy.js";
export type { KnnAccuracyOptions, KnnAccuracyResult } from "./knn-accuracy.js";
