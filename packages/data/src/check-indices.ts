import { ContrastiveError, describeValue } from "@contrastive/core";

/**
 * Throws unless `indices` is an Int32Array or an array of integers in [0, size) (internal: not exported
 * from index.ts). Returns them as an Int32Array.
 */
export function checkIndices(component: string, indices: unknown, size: number, argument = "indices"): Int32Array {
  if (!(indices instanceof Int32Array) && !Array.isArray(indices)) {
    throw new ContrastiveError({ component, argument, received: describeValue(indices), expected: "an Int32Array or an array of integer indices" });
  }
  const list = indices as ArrayLike<unknown>;
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const index = list[i];
    if (typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= size) {
      throw new ContrastiveError({
        component,
        argument: `${argument}[${i}]`,
        received: describeValue(index),
        expected: size === 0 ? "an index into a source that has examples (this one is empty)" : `an integer in [0, ${size}), the source's size`,
      });
    }
    out[i] = index;
  }
  return out;
}
