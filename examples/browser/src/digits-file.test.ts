import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { mnistDigits } from "@contrastive/data/mnist";
import { describe, expect, it } from "vitest";
import { decodeDigits, encodeDigits } from "./digits-file.js";
import { pageDigitsBytes } from "./build/write-digits.js";

const arrayBuffer = (bytes: Uint8Array) => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

describe("the page's digits file", () => {
  it("holds exactly the mnist package's pixels and labels at evenly spread indices", async () => {
    await tf.setBackend("cpu");
    const tensors = tf.memory().numTensors;
    const file = decodeDigits(arrayBuffer(pageDigitsBytes({ train: 30, test: 20 })));
    expect(file.imageShape).toEqual([28, 28, 1]);
    for (const [subset, set, count] of [["train", file.train, 30], ["test", file.test, 20]] as const) {
      const source = mnistDigits({ subset });
      expect(set.labels.length).toBe(count);
      for (const j of [0, 7, count - 1]) {
        const index = Math.floor((j * source.size) / count);
        const image = source.read([index]);
        expect(Array.from(set.images.subarray(j * 784, (j + 1) * 784))).toEqual(Array.from(image.dataSync()));
        expect(set.labels[j]).toBe(source.labels[index]);
        image.dispose();
      }
      // spread over the class-ordered subset: every class is there
      expect(new Set(set.labels).size).toBe(10);
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it("round-trips any images with at most 256 distinct values, and refuses more", () => {
    const values = Float32Array.from({ length: 256 }, (_, i) => Math.fround(i / 255) * 0.999);
    const images = (n: number, shift: number) => Float32Array.from({ length: n * 4 }, (_, i) => values[(i * 37 + shift) % 256] as number);
    const file = { train: { images: images(3, 1), labels: Int32Array.of(0, 9, 4) }, test: { images: images(2, 5), labels: Int32Array.of(1, 2) }, imageShape: [2, 2, 1] as [number, number, 1] };
    const back = decodeDigits(arrayBuffer(encodeDigits(file)));
    expect(back).toEqual(file);
    const tooMany = { ...file, train: { images: Float32Array.from({ length: 257 * 4 }, (_, i) => i), labels: new Int32Array(257) } };
    expect(() => encodeDigits(tooMany)).toThrow(/encodeDigits: images must be at most 256/);
  });

  it("rejects bytes that are not a digits file, naming the fix", () => {
    expect(() => decodeDigits(new ArrayBuffer(10))).toThrow(ContrastiveError);
    const bytes = encodeDigits({ train: { images: new Float32Array(4), labels: Int32Array.of(3) }, test: { images: new Float32Array(0), labels: new Int32Array(0) }, imageShape: [2, 2, 1] });
    expect(() => decodeDigits(arrayBuffer(bytes.subarray(0, bytes.length - 1)))).toThrow(/decodeDigits: buffer must be a digits file of version 1/);
  });
});
