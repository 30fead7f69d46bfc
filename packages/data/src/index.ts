export { arrayDataset } from "./array-dataset.js";
export type { ArrayDataset, ArrayDatasetOptions } from "./array-dataset.js";
export { subset } from "./subset.js";
export { mnistDigits } from "./mnist-digits.js";
export type { MnistDigitsOptions } from "./mnist-digits.js";
export { mnistSplit } from "./mnist-split.js";
export type { MnistSubset } from "./mnist-split.js";
