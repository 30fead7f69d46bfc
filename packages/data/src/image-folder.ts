import { readdirSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { DataSource } from "@contrastive/core";
import { ContrastiveError, DEFAULT_MAX_PIXELS, assertMaxPixels, describeValue } from "@contrastive/core";
import { checkIndices } from "./check-indices.js";
import { mapWithConcurrency } from "./map-with-concurrency.js";
import { decodeFile, stackAsFloats, type RawImage } from "./raw-image.js";

/** Options of {@link imageFolder}. */
export interface ImageFolderOptions {
  /** One subfolder of `root` per class, named after it (classes sorted by name get ids 0, 1, …). Files directly under root are then ignored. When false, every image under root (recursively) is one unlabelled example. Default true. */
  labelled?: boolean;
  /** What to do with a file that cannot be read or decoded: `'raise'` rejects with an error naming it; `'skip'` leaves it out of the batch with a warning (once per file) and lists it in `skipped`. Default `'raise'`. */
  onError?: "skip" | "raise";
  /** File name endings that count as images, case-insensitive; other files are ignored and listed in `ignored`. Default `.jpg .jpeg .png .webp`. */
  extensions?: readonly string[];
  /** [height, width] that `read` and `readBatch` resize to (stretching, as torchvision's `Resize((h, w))`). `readImages` returns images at their own size. */
  size?: readonly [number, number];
  /** Channels to decode to, 3 (RGB) or 1 (grey). Default 3. */
  channels?: 1 | 3;
  /**
   * Largest width × height a file may declare; larger files are refused from their header before decoding
   * (a decode failure, handled as `onError` says). Default 50 megapixels (`DEFAULT_MAX_PIXELS`); `Infinity` lifts it.
   */
  maxPixels?: number;
  /** Files decoded at once in a read. Default 4 (libuv's thread pool): a read holds at most concurrency × maxPixels × channels bytes of decoded pixels. */
  concurrency?: number;
  /** Decode once: keep each image's decoded pixels (at its own size) after its first `readImages`, so later epochs make their views from memory. Costs height × width × channels bytes per image. Default false. */
  cache?: boolean;
  /** Receives the warnings of `onError: 'skip'`. Default `console.warn`. */
  onWarning?: (message: string) => void;
}

/** An image folder: a {@link DataSource} whose examples are files, decoded by sharp when read. */
export interface ImageFolder extends DataSource {
  /** The image files, in example order (class by class, names sorted). */
  readonly files: readonly string[];
  /** Class names in id order (empty when unlabelled). */
  readonly classNames: readonly string[];
  /** Files left out because their name does not end in an image extension (or starts with a dot). */
  readonly ignored: readonly string[];
  /** Files found unreadable so far (with `onError: 'skip'`). */
  readonly skipped: ReadonlySet<string>;
  /** Decodes the files at `indices` at their own size; `indices` of the result are those that decoded (all of them with `'raise'`). */
  readImages(indices: Int32Array | number[]): Promise<{ images: RawImage[]; indices: Int32Array }>;
  /** As `readImages`, resized to `size` and stacked: float32 `[kept, height, width, channels]` in [0, 1]. */
  readBatch(indices: Int32Array | number[]): Promise<{ images: tf.Tensor4D; indices: Int32Array }>;
  /** `readBatch(indices).images`: with `'skip'`, rows of unreadable files are left out (use `readBatch` to know which). */
  read(indices: Int32Array | number[]): Promise<tf.Tensor4D>;
}

/**
 * Images in a folder, one subfolder per class (torchvision's `ImageFolder`) or unlabelled. The folder
 * is listed once, synchronously; pixels are read lazily, on the libuv thread pool, when a batch asks.
 * A file counts as an image by its extension; anything else (and hidden files) is ignored and listed in
 * `ignored`. A file that fails to decode is never dropped silently: it rejects the read with a
 * ContrastiveError naming its path (`onError: 'raise'`), or is left out with a warning naming it and
 * recorded in `skipped` (`'skip'`).
 *
 * @throws {ContrastiveError} when `root` is not a readable folder, it holds no image, or an option is bad;
 * reads reject as above, and `read`/`readBatch` throw without `size`.
 * @example
 * const photos = imageFolder("data/train", { size: [64, 64], onError: "skip" });
 * const batch = await photos.read([0, 1, 2]); // float32 [3, 64, 64, 3] (fewer rows if a file is unreadable)
 * console.log(photos.classNames, photos.labels);
 */
export function imageFolder(root: string, options: ImageFolderOptions = {}): ImageFolder {
  const component = `imageFolder(${root})`;
  const { labelled = true, onError = "raise", extensions = [".jpg", ".jpeg", ".png", ".webp"], size, channels = 3, cache = false, onWarning = (m: string) => console.warn(m) } = options ?? {};
  const { maxPixels = DEFAULT_MAX_PIXELS, concurrency = 4 } = options ?? {};
  assertMaxPixels(component, maxPixels);
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new ContrastiveError({ component, argument: "concurrency", received: describeValue(concurrency), expected: "an integer ≥ 1, e.g. 4" });
  if (onError !== "skip" && onError !== "raise") throw new ContrastiveError({ component, argument: "onError", received: describeValue(onError), expected: "'skip' or 'raise'" });
  if (channels !== 1 && channels !== 3) throw new ContrastiveError({ component, argument: "channels", received: describeValue(channels), expected: "1 or 3" });
  if (size !== undefined && !(Array.isArray(size) && size.length === 2 && size.every((s) => Number.isInteger(s) && s >= 1))) {
    throw new ContrastiveError({ component, argument: "size", received: describeValue(size), expected: "[height, width], two integers ≥ 1, e.g. [64, 64]" });
  }
  const endings = extensions.map((e) => e.toLowerCase());
  const files: string[] = [], labelList: number[] = [], ignored: string[] = [], classNames: string[] = [];
  const isImage = (name: string) => !name.startsWith(".") && endings.includes(extname(name).toLowerCase());
  const walk = (folder: string, label: number) => {
    for (const entry of list(component, folder)) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path, label);
      else if (isImage(entry.name)) (files.push(path), labelList.push(label));
      else ignored.push(path);
    }
  };
  if (labelled) {
    for (const entry of list(component, root)) {
      if (entry.isDirectory() && !entry.name.startsWith(".")) walk(join(root, entry.name), classNames.push(entry.name) - 1);
      else ignored.push(join(root, entry.name));
    }
  } else walk(root, -1);
  if (files.length === 0) {
    throw new ContrastiveError({ component, argument: "root", received: `a folder with no ${endings.join(" ")} files${labelled ? " in class subfolders" : ""}`, expected: labelled ? "root/<class>/<image> files (or labelled: false)" : "a folder holding images" });
  }
  const skipped = new Set<string>();
  const decoded = new Map<number, RawImage>();
  const readImages = async (indices: Int32Array | number[], resize?: readonly [number, number]) => {
    const picked = checkIndices(`${component}.read`, indices, files.length);
    const results = await mapWithConcurrency(Array.from(picked), concurrency, async (index) => {
      const path = files[index] as string;
      if (skipped.has(path)) return undefined;
      try {
        if (!cache || resize !== undefined) return await decodeFile(path, channels, resize, maxPixels);
        const known = decoded.get(index);
        if (known !== undefined) return known;
        const image = await decodeFile(path, channels, undefined, maxPixels);
        decoded.set(index, image);
        return image;
      } catch (cause) {
        const reason = (cause as Error).message;
        if (onError === "raise" && ContrastiveError.isInstance(cause)) throw cause;
        if (onError === "raise") throw new ContrastiveError({ component, argument: "file", received: `${path}, which failed to decode (${reason})`, expected: "a readable image (or pass onError: 'skip' to leave such files out)", cause });
        skipped.add(path);
        onWarning(`${component}: skipped ${path}: ${reason}`);
        return undefined;
      }
    });
    const kept = picked.filter((_, i) => results[i] !== undefined);
    return { images: results.filter((r): r is RawImage => r !== undefined), indices: kept };
  };
  const readBatch = async (indices: Int32Array | number[]) => {
    if (size === undefined) throw new ContrastiveError({ component, argument: "size", received: "undefined", expected: "[height, width] to read tensors (or use readImages with an image augmentation)" });
    const { images, indices: kept } = await readImages(indices, size);
    return { images: tf.tensor4d(stackAsFloats(images), [kept.length, size[0], size[1], channels], "float32"), indices: kept };
  };
  return {
    name: component,
    size: files.length,
    exampleShape: size === undefined ? [-1, -1, channels] : [size[0], size[1], channels],
    ...(labelled ? { labels: Int32Array.from(labelList) } : {}),
    files,
    classNames,
    ignored,
    skipped,
    readImages: (indices) => readImages(indices),
    readBatch,
    read: async (indices) => (await readBatch(indices)).images,
  };
}

function list(component: string, folder: string) {
  try {
    if (!statSync(folder).isDirectory()) throw new Error("not a folder");
    return readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (cause) {
    throw new ContrastiveError({ component, argument: "root", received: `${folder} (${(cause as Error).message})`, expected: "a readable folder", cause });
  }
}
