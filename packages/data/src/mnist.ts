/* @contrastive/data/mnist: the MNIST digits of the `mnist` package (Node only; `mnist` is an optional peer). */
export { mnistDigits } from "./mnist-digits.js";
export type { MnistDigitsOptions } from "./mnist-digits.js";
