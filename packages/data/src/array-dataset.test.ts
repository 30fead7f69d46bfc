import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { TEST_BACKENDS, countLeakedTensors, useBackend } from "@contrastive/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { arrayDataset } from "./array-dataset.js";

/** 5 examples of shape [2, 3]; example i holds i·10 + 0 … 5. */
function fiveExamples() {
  const images = Float32Array.from({ length: 30 }, (_, k) => Math.floor(k / 6) * 10 + (k % 6));
  return arrayDataset({ images, exampleShape: [2, 3], labels: Int32Array.of(1, 0, 1, 0, 2), name: "five" });
}

function errorOf(call: () => unknown): ContrastiveError {
  try {
    call();
  } catch (error) {
    if (ContrastiveError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("no error");
}

describe.each(TEST_BACKENDS)("arrayDataset on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it("reads the examples at the indices, in order and with repeats, as one float32 tensor", async () => {
    const source = fiveExamples();
    expect([source.name, source.size, source.exampleShape, Array.from(source.labels!)]).toEqual(["five", 5, [2, 3], [1, 0, 1, 0, 2]]);
    const { leaked } = await countLeakedTensors(() => {
      const batch = source.read(Int32Array.of(4, 0, 4));
      expect(batch.shape).toEqual([3, 2, 3]);
      expect(batch.dtype).toBe("float32");
      expect(Array.from(batch.dataSync())).toEqual([40, 41, 42, 43, 44, 45, 0, 1, 2, 3, 4, 5, 40, 41, 42, 43, 44, 45]);
      batch.dispose();
      const empty = source.read([]);
      expect(empty.shape).toEqual([0, 2, 3]);
      empty.dispose();
    });
    expect(leaked).toBe(0);
  });

  it("copies: changing a read tensor's source array later does not change the tensor", async () => {
    const images = new Float32Array(8).fill(0.5);
    const source = arrayDataset({ images, exampleShape: [4] });
    const batch = source.read([1]);
    images.fill(0);
    expect(Array.from(batch.dataSync())).toEqual([0.5, 0.5, 0.5, 0.5]);
    batch.dispose();
    expect(source.labels).toBeUndefined();
  });

  it("rejects out-of-range and non-integer indices, naming the position", async () => {
    const source = fiveExamples();
    const before = tf.memory().numTensors;
    expect(errorOf(() => source.read([0, 5])).argument).toBe("indices[1]");
    expect(errorOf(() => source.read([0, 5])).message).toBe("five.read: indices[1] must be an integer in [0, 5), the source's size; got 5");
    expect(errorOf(() => source.read([-1])).argument).toBe("indices[0]");
    expect(errorOf(() => source.read([1.5])).argument).toBe("indices[0]");
    expect(errorOf(() => source.read("0" as never)).argument).toBe("indices");
    expect(tf.memory().numTensors).toBe(before);
  });

  it("rejects shapes, image arrays and labels that do not fit together", () => {
    expect(errorOf(() => arrayDataset({ images: new Float32Array(10), exampleShape: [3] })).argument).toBe("images");
    expect(errorOf(() => arrayDataset({ images: [0, 1] as never, exampleShape: [2] })).argument).toBe("images");
    expect(errorOf(() => arrayDataset({ images: new Float32Array(4), exampleShape: [0, 2] })).argument).toBe("exampleShape");
    expect(errorOf(() => arrayDataset({ images: new Float32Array(4), exampleShape: [2], labels: Int32Array.of(1) })).argument).toBe("labels");
  });
});
