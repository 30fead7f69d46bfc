import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ContrastiveError } from "./errors.js";
import { useBackend } from "./testing.js";
import { assertInteger, assertPositive, assertShape } from "./validate.js";

beforeAll(() => useBackend("cpu"));

function caught(fn: () => unknown): ContrastiveError {
  try {
    fn();
  } catch (error) {
    expect(ContrastiveError.isInstance(error)).toBe(true);
    return error as ContrastiveError;
  }
  throw new Error("expected a ContrastiveError, nothing was thrown");
}

describe("assertPositive", () => {
  it("returns finite positive numbers unchanged", () => {
    for (const value of [1e-30, 0.07, 1, 1e30]) expect(assertPositive("ntXent", "temperature", value)).toBe(value);
  });

  it("rejects zero, negatives, non-finite numbers and non-numbers, naming component, argument and value", () => {
    const cases: [unknown, string][] = [
      [0, "0"],
      [-0.5, "-0.5"],
      [NaN, "NaN"],
      [Infinity, "Infinity"],
      ["0.5", '"0.5"'],
      [undefined, "undefined"],
      [null, "null"],
    ];
    for (const [value, received] of cases) {
      const error = caught(() => assertPositive("ntXent", "temperature", value));
      expect(error.message).toBe(`ntXent: temperature must be a finite number > 0, e.g. 0.5; got ${received}`);
      expect(error.component).toBe("ntXent");
      expect(error.argument).toBe("temperature");
      expect(error.received).toBe(received);
    }
  });

  it("uses the given example in the fix", () => {
    expect(caught(() => assertPositive("tripletMargin", "margin", -1, "0.2")).message).toBe(
      "tripletMargin: margin must be a finite number > 0, e.g. 0.2; got -1",
    );
  });
});

describe("assertInteger", () => {
  it("returns integers at or above the minimum", () => {
    expect(assertInteger("sampler", "batchSize", 1)).toBe(1);
    expect(assertInteger("sampler", "batchSize", 256)).toBe(256);
    expect(assertInteger("sampler", "seed", 0, 0)).toBe(0);
    expect(assertInteger("sampler", "offset", -3, -5)).toBe(-3);
  });

  it("rejects fractions, values under the minimum, non-finite numbers and non-numbers", () => {
    const cases: [unknown, number, string][] = [
      [0, 1, "0"],
      [2.5, 1, "2.5"],
      [-1, 0, "-1"],
      [NaN, 1, "NaN"],
      [Infinity, 1, "Infinity"],
      ["3", 1, '"3"'],
      [[3], 1, "[3]"],
    ];
    for (const [value, minimum, received] of cases) {
      const error = caught(() => assertInteger("mPerClass", "m", value, minimum));
      expect(error.message).toBe(`mPerClass: m must be an integer ≥ ${minimum}; got ${received}`);
      expect(error.argument).toBe("m");
    }
  });
});

describe("assertShape", () => {
  it("returns a tensor of the right rank and sizes; -1 matches any size", () => {
    const t = tf.zeros([4, 3]);
    expect(assertShape("ntXent", "views[0]", t, [4, 3])).toBe(t);
    expect(assertShape("ntXent", "views[0]", t, [-1, 3])).toBe(t);
    expect(assertShape("ntXent", "views[0]", t, [-1, -1])).toBe(t);
    const s = tf.scalar(1);
    expect(assertShape("loss", "value", s, [])).toBe(s);
    tf.dispose([t, s]);
  });

  it("rejects a wrong rank, a wrong size and non-tensors, formatting the shape asked for", () => {
    const t = tf.zeros([64, 64]);
    const v = tf.zeros([5], "int32");
    expect(caught(() => assertShape("ntXent", "views[1]", t, [128, 64])).message).toBe(
      "ntXent: views[1] must be a tensor of shape [128, 64]; got float32 tensor of shape [64, 64]",
    );
    expect(caught(() => assertShape("supCon", "labels", v, [-1, 1])).message).toBe(
      "supCon: labels must be a tensor of shape [any, 1]; got int32 tensor of shape [5]",
    );
    expect(caught(() => assertShape("supCon", "labels", t, [-1])).message).toBe(
      "supCon: labels must be a tensor of shape [any]; got float32 tensor of shape [64, 64]",
    );
    expect(caught(() => assertShape("ntXent", "views[0]", [[1, 2]], [-1, 2])).message).toBe(
      "ntXent: views[0] must be a tensor of shape [any, 2]; got [[1, 2]]",
    );
    for (const [value, received] of [[undefined, "undefined"], [null, "null"], [{ shape: "x" }, "object (Object)"]] as const) {
      expect(caught(() => assertShape("c", "x", value, [-1])).received).toBe(received);
    }
    tf.dispose([t, v]);
  });

  it("appends the note to what is expected", () => {
    const t = tf.zeros([3, 2]);
    expect(caught(() => assertShape("ntXent", "views[1]", t, [4, 2], " like views[0]")).message).toBe(
      "ntXent: views[1] must be a tensor of shape [4, 2] like views[0]; got float32 tensor of shape [3, 2]",
    );
    t.dispose();
  });
});
