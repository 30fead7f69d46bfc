/*
 * @contrastive/data: environment-neutral data sources (in-memory arrays and tensors, subsets, the
 * prefetching loader). Files: `@contrastive/data/node` (CIFAR-10 binaries), `@contrastive/data/image`
 * (image folders, decoded by sharp), `@contrastive/data/mnist` (the MNIST digits, from the optional
 * `mnist` package).
 */
export { arrayDataset } from "./array-dataset.js";
export type { ArrayDataset, ArrayDatasetOptions } from "./array-dataset.js";
export { subset } from "./subset.js";
export { mnistSplit } from "./mnist-split.js";
export type { MnistSubset } from "./mnist-split.js";
export { tensorDataset } from "./tensor-dataset.js";
export { loader } from "./loader.js";
export type { Loader, LoaderOptions, LoaderBatch, LoaderSource, ImagesAugmentation, TensorAugmentation } from "./loader.js";
