import { createRng } from "@contrastive/core";
import { maxAbsDifference } from "@contrastive/core/testing";
import { describe, expect, it } from "vitest";
import { colorReference as reference } from "../color-reference.js";
import { runColorProgram, type ColorOperation } from "./color-program.js";

function randomPixels(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count }, () => rng.next());
}

const operations: ColorOperation[] = [
  { code: "brightness", factor: 1.6 }, { code: "brightness", factor: 0.3 },
  { code: "contrast", factor: 1.8 }, { code: "contrast", factor: 0.2 },
  { code: "saturation", factor: 0 }, { code: "saturation", factor: 1.7 },
  { code: "hue", factor: 0.2 }, { code: "hue", factor: -0.45 }, { code: "hue", factor: 0.5 },
  { code: "grayscale" }, { code: "solarize", threshold: 0.5 },
  { code: "normalize", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
];

describe("runColorProgram", () => {
  it.each(operations.map((o) => [o.code, o] as const))("%s equals the per-pixel reference formula on RGB", (_, operation) => {
    const values = randomPixels(6 * 5 * 3, 3);
    values.set([0.5, 0.5, 0.5, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0], 0); // grey, primaries, yellow: hue edge cases
    const pixels = Float32Array.from(values);
    runColorProgram(pixels, 3, [operation]);
    expect(maxAbsDifference(pixels, reference(values, 3, operation))).toBeLessThan(2e-6);
  });

  it("leaves grey pixels alone under hue and saturation, and grey images (1 channel) under hue, saturation, grayscale", () => {
    const values = randomPixels(20, 4);
    const pixels = Float32Array.from(values);
    runColorProgram(pixels, 1, [{ code: "hue", factor: 0.3 }, { code: "saturation", factor: 0 }, { code: "grayscale" }]);
    expect(Array.from(pixels)).toEqual(Array.from(values));
    for (const operation of operations.filter((o) => ["brightness", "contrast", "solarize"].includes(o.code))) {
      const one = Float32Array.from(values);
      runColorProgram(one, 1, [operation]);
      expect(maxAbsDifference(one, reference(values, 1, operation))).toBeLessThan(2e-6);
    }
    const flat = new Float32Array(12).fill(0.25);
    runColorProgram(flat, 3, [{ code: "hue", factor: 0.4 }]);
    expect(Array.from(flat)).toEqual(new Array(12).fill(0.25));
  });

  it("runs a program in order, each contrast reading the mean of the pixels as they are at that point", () => {
    const values = randomPixels(7 * 3 * 3, 5);
    const program: ColorOperation[] = [
      { code: "hue", factor: 0.15 }, { code: "contrast", factor: 1.5 }, { code: "brightness", factor: 1.3 },
      { code: "saturation", factor: 0.4 }, { code: "contrast", factor: 0.6 }, { code: "grayscale" }, { code: "solarize", threshold: 0.4 },
    ];
    let expected: Float64Array = Float64Array.from(values);
    for (const operation of program) expected = reference(Float32Array.from(expected), 3, operation);
    const pixels = Float32Array.from(values);
    runColorProgram(pixels, 3, program);
    expect(maxAbsDifference(pixels, expected)).toBeLessThan(1e-5);
  });

  it("reads bytes as x / 255 when given them, with the same result as converting first", () => {
    const rng = createRng(6);
    const bytes = Uint8Array.from({ length: 5 * 4 * 3 }, () => rng.int(256));
    for (const program of [[operations[6]!, operations[2]!], [operations[2]!, operations[0]!], [operations[9]!]]) {
      const converted = Float32Array.from(bytes, (v) => v / 255);
      runColorProgram(converted, 3, program);
      const direct = new Float32Array(bytes.length);
      runColorProgram(direct, 3, program, bytes);
      expect(Array.from(direct)).toEqual(Array.from(converted));
    }
  });
});
