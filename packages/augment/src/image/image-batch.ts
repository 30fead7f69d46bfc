import { DEFAULT_MAX_PIXELS, assertMaxPixels } from "./pixel-limit.js";
import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { ContrastiveError, assertInteger, describeValue } from "@contrastive/core";
import { assertAugmentation, assertRng } from "../checks.js";
import { augmentImage } from "./augment-image.js";
import type { ImageAugmentation, ImageMultiViewAugmentation } from "./image-plan.js";
import type { ImageInput } from "./raw-image.js";
import type { ImageView } from "./render-plan.js";

/** Options of {@link imageBatch}. */
export interface ImageBatchOptions {
  /** Images in flight at once (each renders its views concurrently). Default 4, libuv's thread pool. */
  concurrency?: number;
  /** Largest width × height an image may declare (see `decodeImage`). Default 50 megapixels: a batch then holds at most concurrency × 150 MB of decoded pixels. */
  maxPixels?: number;
  /** Channels to decode to, 3 (RGB) or 1 (grey). Default 3. */
  channels?: 1 | 3;
}

/**
 * A batch augmentation over images (what `@contrastive/data`'s `loader` runs for sources with
 * `readImages`): `apply(inputs, rng)` augments every image with its own rng
 * `rng.fork(\`imageBatch/${d}/${i}\`)` (d one draw from `rng`), so image i's views do not depend on the
 * order in which the thread pool finishes, and stacks view k of every image into one tensor.
 */
export interface ImageBatchAugmentation extends Augmentation<readonly ImageInput[], Promise<tf.Tensor4D[]>> {
  /** Tells a loader to hand this augmentation images (`readImages`), not a tensor batch. */
  readonly input: "images";
}

/**
 * Runs an image-side augmentation (one view or several) on a batch of images and returns tensors:
 * V float32 tensors `[N, H, W, C]` (V = 1 for a single-view augmentation), values in [0, 1] unless the
 * pipeline normalises. Decoding and libvips work run on the libuv thread pool, `concurrency` images at a time.
 *
 * @throws {ContrastiveError} at construction for a bad augmentation or concurrency; in `apply` (rejects)
 * for an input that cannot be decoded (naming the file), or views k of two images with different sizes.
 * @example
 * const views = image.imageBatch(image.multiView(2, image.simclrAugment({ size: [224, 224] })));
 * const [a, b] = await views.apply(["a.jpg", "b.png"], createRng(7)); // 2 × [2, 224, 224, 3]
 * tf.dispose([a, b]);
 */
export function imageBatch(augmentation: ImageAugmentation | ImageMultiViewAugmentation, options: ImageBatchOptions = {}): ImageBatchAugmentation {
  const component = "image.imageBatch";
  assertAugmentation(component, "augmentation", augmentation);
  const { concurrency = 4, channels = 3 } = options ?? {};
  const maxPixels = assertMaxPixels(component, options?.maxPixels ?? DEFAULT_MAX_PIXELS);
  assertInteger(component, "concurrency", concurrency, 1);
  return {
    name: `imageBatch(${augmentation.name})`,
    input: "images",
    async apply(inputs: readonly ImageInput[], rng: Rng): Promise<tf.Tensor4D[]> {
      if (!Array.isArray(inputs) || inputs.length === 0) {
        throw new ContrastiveError({ component, argument: "inputs", received: describeValue(inputs), expected: "a non-empty array of file paths, encoded buffers or RawImages" });
      }
      assertRng(component, rng);
      const draw = rng.uint32();
      const results: ImageView[][] = new Array(inputs.length);
      let next = 0;
      const worker = async () => {
        while (next < inputs.length) {
          const i = next++;
          results[i] = await augmentImage(inputs[i] as ImageInput, augmentation, rng.fork(`imageBatch/${draw}/${i}`), { channels, maxPixels });
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
      return stackViews(component, results);
    },
  };
}

function stackViews(component: string, results: ImageView[][]): tf.Tensor4D[] {
  const first = results[0] as ImageView[];
  return first.map((reference, k) => {
    const per = reference.data.length;
    const stacked = new Float32Array(per * results.length);
    results.forEach((views, i) => {
      const view = views[k] as ImageView;
      if (view.height !== reference.height || view.width !== reference.width || view.channels !== reference.channels) {
        throw new ContrastiveError({
          component,
          argument: `view ${k} of image ${i}`,
          received: `[${view.height}, ${view.width}, ${view.channels}] while image 0 gave [${reference.height}, ${reference.width}, ${reference.channels}]`,
          expected: "the same size for every image (end the pipeline with a crop or resize to a fixed size)",
        });
      }
      stacked.set(view.data, i * per);
    });
    return tf.tensor4d(stacked, [results.length, reference.height, reference.width, reference.channels], "float32");
  });
}
