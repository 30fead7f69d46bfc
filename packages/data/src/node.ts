/* @contrastive/data/node: data sets read from files (Node only). */
export { cifar10 } from "./cifar10.js";
export type { Cifar10, Cifar10Options } from "./cifar10.js";
export type { RawImage } from "./raw-image.js";
