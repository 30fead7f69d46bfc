import { ContrastiveError, describeValue } from "./errors.js";

/**
 * A seeded pseudo-random number generator (xoshiro128**, seeded through splitmix32).
 * The same seed gives the same sequence on every platform; `fork(label)` derives an
 * independent stream, so components can draw without disturbing each other.
 *
 * @example
 * const rng = createRng(42);
 * rng.uniform(0.4, 1); rng.int(10); rng.shuffle([1, 2, 3]);
 */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** A float in [low, high). */
  uniform(low: number, high: number): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** A standard normal sample (Box–Muller). */
  normal(mean?: number, std?: number): number;
  /** A 32-bit unsigned integer, e.g. to seed a tfjs initializer. */
  uint32(): number;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array;
  /** An independent generator derived from this one's seed and `label`. */
  fork(label: string | number): Rng;
  /** The seed this generator was created with. */
  readonly seed: number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(label: string | number): number {
  const text = String(label);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(readonly seed: number) {
    const mix = splitmix32(seed);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.b << 9) >>> 0;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    return result;
  }

  next(): number {
    return this.uint32() / 4294967296;
  }

  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + std * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + std * r * Math.cos(2 * Math.PI * v);
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i] as T;
      items[i] = items[j] as T;
      items[j] = tmp;
    }
    return items;
  }

  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i] as number;
      out[i] = out[j] as number;
      out[j] = tmp;
    }
    return out;
  }

  fork(label: string | number): Rng {
    return new Xoshiro128((Math.imul(this.seed ^ 0x5bd1e995, 0x27d4eb2d) ^ hashLabel(label)) >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Creates a seeded {@link Rng}. The seed is any integer; equal seeds give equal sequences. */
export function createRng(seed: number): Rng {
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new ContrastiveError({ component: "createRng", argument: "seed", received: describeValue(seed), expected: "a finite integer, e.g. 42" });
  }
  return new Xoshiro128(Math.trunc(seed) >>> 0);
}
