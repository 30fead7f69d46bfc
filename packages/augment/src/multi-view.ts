import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { assertImages, assertRng, viewList } from "./checks.js";

/**
 * Makes `count` independently augmented views of one batch, the positives of instance
 * discrimination (SimCLR, Chen et al. 2020, uses 2), or one view per augmentation when given a list
 * (BYOL's asymmetric pair, multi-crop). Each call draws one 32-bit number d from `rng` and view k draws
 * from `rng.fork(\`multiView/${d}/${k}\`)`: so successive calls give new views, and view k of a call
 * depends only on the rng's state and k (not on `count` or on the other views).
 *
 * `[N, H, W, C] → count × [N, H', W', C]`; row i of every view is image i.
 *
 * @throws {ContrastiveError} when `count` is not an integer ≥ 1 or an augmentation is not an
 * Augmentation (at construction), or `images` is not a float32 [N, H, W, C] tensor (in `apply`).
 * @example
 * const twoViews = multiView(2, simclrMnistAugment());
 * const [a, b] = twoViews.apply(images, rng); // each [N, 28, 28, 1]
 * const pair = multiView([viewOne, viewTwo]); // asymmetric
 */
export function multiView(count: number, augmentation: Augmentation): Augmentation<tf.Tensor4D, tf.Tensor4D[]>;
export function multiView(augmentations: readonly Augmentation[]): Augmentation<tf.Tensor4D, tf.Tensor4D[]>;
export function multiView(first: number | readonly Augmentation[], second?: Augmentation): Augmentation<tf.Tensor4D, tf.Tensor4D[]> {
  const component = "multiView";
  const views = viewList<Augmentation>(component, first, second);
  const name = Array.isArray(first) ? `${component}(${views.map((v) => v.name).join(", ")})` : `${component}(${first}, ${second!.name})`;
  return {
    name,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      const draw = rng.uint32();
      return tf.tidy(() =>
        views.map((augmentation, k) => {
          const view = augmentation.apply(input, rng.fork(`${component}/${draw}/${k}`));
          return view === input ? tf.clone(input) : view;
        }),
      );
    },
  };
}
