import { readdirSync } from "node:fs";
import { join } from "node:path";
import { subset } from "@contrastive/data";
import { type ImageFolder, imageFolder } from "@contrastive/data/image";
import { folderFlag } from "./flags.js";
import { UsageError } from "./usage-error.js";

/**
 * Opens the image folder given by `--flag`: labelled when it has sub-folders (one per class),
 * flat and unlabelled when its images lie directly in it. Images are decoded by sharp and resized
 * to `size` × `size` with `channels` channels by `read`, and decoded once (kept in memory) for the
 * image augmentations by `readImages`.
 *
 * @throws {UsageError} naming the flag and the path when the folder is missing, empty, holds no
 *   images, or is unlabelled where labels are needed (`requireLabels`).
 */
export function openImageFolder(flag: string, path: string | undefined, options: { size: number; channels: 1 | 3; requireLabels?: boolean; onWarning?: (message: string) => void; limit?: number }): ImageFolder {
  const root = folderFlag(flag, path);
  const entries = readdirSync(root, { withFileTypes: true }).filter((entry) => !entry.name.startsWith("."));
  const labelled = entries.some((entry) => entry.isDirectory() && readdirSync(join(root, entry.name)).length > 0);
  if (options.requireLabels && !labelled) throw new UsageError(`--${flag} ${root}: no class sub-folders; expected ${root}/<class>/<image> (labels are needed here)`);
  let folder: ImageFolder;
  try {
    folder = imageFolder(root, { labelled, size: [options.size, options.size], channels: options.channels, cache: true, onError: "skip", ...(options.onWarning ? { onWarning: options.onWarning } : {}) });
  } catch {
    throw new UsageError(`--${flag} ${root}: no images found; expected .jpg .jpeg .png or .webp files, in class sub-folders (${root}/<class>/<image>) or flat`);
  }
  const { limit } = options;
  if (limit === undefined || folder.size <= limit) return folder;
  // an even spread over the folder (files are ordered by class), keeping the folder's other fields
  const picked = Array.from({ length: limit }, (_, i) => Math.floor((i * folder.size) / limit));
  return { ...folder, ...subset(folder, picked), files: picked.map((i) => folder.files[i] as string), classNames: folder.classNames } as ImageFolder;
}
