import * as tf from "@tensorflow/tfjs-core";
import type { Augmentation, Rng } from "@contrastive/core";
import { ContrastiveError, describeValue } from "@contrastive/core";
import { assertAugmentation, assertImages, assertRng } from "./checks.js";

/**
 * Chains augmentations: the output of each is the input of the next, all drawing in turn from the
 * same `rng` (torchvision's `Compose`). Intermediate batches are disposed; the input is not.
 *
 * `[N, H, W, C] → [N, H', W', C]`, the shape the last augmentation gives.
 *
 * @throws {ContrastiveError} when `augmentations` is not a non-empty array of Augmentations (at
 * construction), or `images` is not a float32 [N, H, W, C] tensor (in `apply`).
 * @example
 * const view = compose([randomResizedCrop({ size: [28, 28] }), randomApply(0.8, brightnessContrast())]);
 * const out = view.apply(images, createRng(7));
 */
export function compose(augmentations: readonly Augmentation[]): Augmentation {
  const component = "compose";
  if (!Array.isArray(augmentations) || augmentations.length === 0) {
    throw new ContrastiveError({
      component,
      argument: "augmentations",
      received: describeValue(augmentations),
      expected: "a non-empty array of Augmentations, e.g. [randomResizedCrop({ size: [28, 28] }), brightnessContrast()]",
    });
  }
  augmentations.forEach((augmentation, i) => assertAugmentation(component, `augmentations[${i}]`, augmentation));
  const steps = [...augmentations];
  return {
    name: `${component}(${steps.map((s) => s.name).join(", ")})`,
    apply(images: tf.Tensor4D, rng: Rng) {
      const input = assertImages(component, images);
      assertRng(component, rng);
      return tf.tidy(() => {
        let current = input;
        for (const step of steps) current = step.apply(current, rng);
        return current === input ? tf.clone(input) : current;
      });
    },
  };
}
