/* @contrastive/data/image: folders of image files, decoded by sharp (Node only; sharp is an optional peer). */
export { imageFolder } from "./image-folder.js";
export type { ImageFolder, ImageFolderOptions } from "./image-folder.js";
export type { RawImage } from "./raw-image.js";
