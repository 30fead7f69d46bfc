import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ContrastiveError, MissingDependencyError, NonFiniteError, describeValue } from "./errors.js";
import { useBackend } from "./testing.js";

beforeAll(() => useBackend("cpu"));

const options = { component: "ntXent", argument: "temperature", received: "0", expected: "a number > 0, e.g. 0.5" };

describe("ContrastiveError", () => {
  it("formats `component: argument must be EXPECTED; got RECEIVED` and keeps each part", () => {
    const error = new ContrastiveError(options);
    expect(error.message).toBe("ntXent: temperature must be a number > 0, e.g. 0.5; got 0");
    expect(error.name).toBe("ContrastiveError");
    expect(error.component).toBe("ntXent");
    expect(error.argument).toBe("temperature");
    expect(error.received).toBe("0");
    expect(error.expected).toBe("a number > 0, e.g. 0.5");
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ContrastiveError);
    expect(String(error)).toBe("ContrastiveError: ntXent: temperature must be a number > 0, e.g. 0.5; got 0");
    expect(error.stack).toContain("ntXent: temperature");
  });

  it("keeps a cause", () => {
    const cause = new Error("disk full");
    expect(new ContrastiveError({ ...options, cause }).cause).toBe(cause);
    expect(new ContrastiveError(options).cause).toBeUndefined();
  });

  it("isInstance accepts its own errors and subclasses and rejects everything else", () => {
    expect(ContrastiveError.isInstance(new ContrastiveError(options))).toBe(true);
    expect(ContrastiveError.isInstance(new MissingDependencyError(options))).toBe(true);
    expect(ContrastiveError.isInstance(new NonFiniteError(options))).toBe(true);
    for (const other of [new Error("x"), new TypeError("x"), null, undefined, 0, "ContrastiveError", {}, { ...options }, () => 0]) {
      expect(ContrastiveError.isInstance(other)).toBe(false);
    }
  });

  it("isInstance recognises an error from a second copy of the package", () => {
    // A second copy of @contrastive/core has its own class, unrelated by prototype, but marks
    // its errors with the same global symbol.
    const marker = Symbol.for("@contrastive/core.error");
    class OtherCopyError extends Error {
      readonly [marker] = true;
      constructor(readonly component: string) {
        super(`${component}: x must be y; got z`);
      }
    }
    const foreign = new OtherCopyError("trainer.fit");
    // Without the list of its kinds (as written by versions before 0.2), instanceof cannot tell.
    expect(foreign instanceof ContrastiveError).toBe(false);
    expect(ContrastiveError.isInstance(foreign)).toBe(true);
    // A structural look-alike without the marker is not one.
    const lookAlike = Object.assign(new Error("x"), { [Symbol("@contrastive/core.error")]: true });
    expect(ContrastiveError.isInstance(lookAlike)).toBe(false);
    expect(ContrastiveError.isInstance({ [marker]: "yes" })).toBe(false);
  });

  it("instanceof holds across copies (ESM and CommonJS builds loaded together), for each class of the chain", () => {
    const marker = Symbol.for("@contrastive/core.error");
    const kinds = Symbol.for("@contrastive/core.error-kinds");
    // What a second copy's NonFiniteError carries: the global marker and its chain of class names.
    const foreign = Object.assign(new Error("trainer.step: loss must be finite; got NaN"), {
      [marker]: true,
      [kinds]: ["NonFiniteError", "ContrastiveError"],
    });
    expect(foreign instanceof ContrastiveError).toBe(true);
    expect(foreign instanceof NonFiniteError).toBe(true);
    expect(foreign instanceof MissingDependencyError).toBe(false);
    // Kinds without the marker are not enough.
    expect(Object.assign(new Error("x"), { [kinds]: ["ContrastiveError"] }) instanceof ContrastiveError).toBe(false);
    // Our own errors carry their chain, not enumerable.
    const own = new MissingDependencyError(options);
    expect((own as unknown as Record<symbol, unknown>)[kinds]).toEqual(["MissingDependencyError", "ContrastiveError"]);
    expect(own instanceof MissingDependencyError && own instanceof ContrastiveError && !(own instanceof NonFiniteError)).toBe(true);
    expect(new ContrastiveError(options) instanceof NonFiniteError).toBe(false);
    // A user's subclass works as usual.
    class UserError extends ContrastiveError {}
    expect(new UserError(options) instanceof UserError).toBe(true);
    expect(new ContrastiveError(options) instanceof UserError).toBe(false);
    for (const other of [null, undefined, 1, "x", {}]) expect(other instanceof ContrastiveError).toBe(false);
  });

  it("the marker does not show up in keys or JSON", () => {
    const error = new ContrastiveError(options);
    expect(Object.keys(error)).not.toContain("@contrastive/core.error");
    expect(JSON.stringify(error)).not.toContain("core.error");
  });
});

describe("subclasses", () => {
  it.each([
    ["MissingDependencyError", MissingDependencyError],
    ["NonFiniteError", NonFiniteError],
  ] as const)("%s has its own name, the same message format, and is a ContrastiveError", (name, Subclass) => {
    const error = new Subclass(options);
    expect(error.name).toBe(name);
    expect(error).toBeInstanceOf(Subclass);
    expect(error).toBeInstanceOf(ContrastiveError);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe("ntXent: temperature must be a number > 0, e.g. 0.5; got 0");
    expect(String(error)).toBe(`${name}: ntXent: temperature must be a number > 0, e.g. 0.5; got 0`);
  });

  it("the two subclasses are distinct", () => {
    expect(new MissingDependencyError(options)).not.toBeInstanceOf(NonFiniteError);
    expect(new NonFiniteError(options)).not.toBeInstanceOf(MissingDependencyError);
  });
});

describe("describeValue", () => {
  it("formats primitives", () => {
    expect(describeValue(undefined)).toBe("undefined");
    expect(describeValue(null)).toBe("null");
    expect(describeValue("ntxent")).toBe('"ntxent"');
    expect(describeValue('say "hi"')).toBe('"say \\"hi\\""');
    expect(describeValue(0.5)).toBe("0.5");
    expect(describeValue(-0)).toBe("0");
    expect(describeValue(NaN)).toBe("NaN");
    expect(describeValue(-Infinity)).toBe("-Infinity");
    expect(describeValue(true)).toBe("true");
    expect(describeValue(12n)).toBe("12");
  });

  it("formats short arrays element by element and long arrays by length", () => {
    expect(describeValue([])).toBe("[]");
    expect(describeValue([128, 64])).toBe("[128, 64]");
    expect(describeValue(["a", 1, null])).toBe('["a", 1, null]');
    expect(describeValue([[1, 2], [3]])).toBe("[[1, 2], [3]]");
    expect(describeValue(Array.from({ length: 8 }, (_, i) => i))).toBe("[0, 1, 2, 3, 4, 5, 6, 7]");
    expect(describeValue(Array.from({ length: 9 }, (_, i) => i))).toBe("array of length 9");
  });

  it("formats tensors by dtype and shape, without reading their data", () => {
    const tensors = [tf.zeros([128, 64]), tf.scalar(1), tf.tensor1d([1, 2, 3], "int32"), tf.zeros([2, 3, 4, 5], "bool")];
    expect(tensors.map(describeValue)).toEqual([
      "float32 tensor of shape [128, 64]",
      "float32 tensor of shape []",
      "int32 tensor of shape [3]",
      "bool tensor of shape [2, 3, 4, 5]",
    ]);
    tf.dispose(tensors);
    // A disposed tensor still describes itself.
    expect(describeValue(tensors[0])).toBe("float32 tensor of shape [128, 64]");
    // So does anything tensor-shaped (TensorInfo, a tensor of another tfjs copy).
    expect(describeValue({ shape: [3], dtype: "int32", dataId: {} })).toBe("int32 tensor of shape [3]");
  });

  it("formats functions and other objects by type", () => {
    function ntXent() {}
    expect(describeValue(ntXent)).toBe("function ntXent");
    expect(describeValue(class Backbone {})).toBe("function Backbone");
    expect(describeValue({})).toBe("object (Object)");
    expect(describeValue(new Map())).toBe("object (Map)");
    expect(describeValue(new Int32Array(3))).toBe("object (Int32Array)");
    expect(describeValue(new Date(0))).toBe("object (Date)");
    expect(describeValue({ shape: "not an array", dtype: "float32" })).toBe("object (Object)");
  });
});
