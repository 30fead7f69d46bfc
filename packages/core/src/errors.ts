const marker = Symbol.for("@contrastive/core.error");
/** The class names of an error's chain, stored on it under a global symbol, so that `instanceof` works across copies. */
const kinds = Symbol.for("@contrastive/core.error-kinds");

/**
 * `instanceof` for our errors across two copies of the package (ESM and CommonJS builds loaded
 * together, or two installed versions): true when the prototype chain says so, or when `value`
 * carries the global marker and the class's name is among its kinds.
 */
function hasInstance(this: { name: string; prototype: object }, value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (Object.prototype.isPrototypeOf.call(this.prototype, value)) return true;
  const record = value as Record<symbol, unknown>;
  const list = record[kinds];
  return record[marker] === true && Array.isArray(list) && list.includes(this.name);
}

/** What a {@link ContrastiveError} says about the input that caused it. */
export interface ContrastiveErrorOptions {
  /** The component that rejected the input, e.g. `ntXent` or `trainer.fit`. */
  component: string;
  /** The argument at fault, e.g. `views[1]` or `temperature`. */
  argument: string;
  /** What was received, already formatted (shape, value, type). */
  received: string;
  /** What would have been accepted, phrased as the fix. */
  expected: string;
  cause?: unknown;
}

/**
 * The one error type of the project: names the component, the argument, what it received and
 * what would fix it. `ContrastiveError.isInstance(e)` works across two copies of the package.
 *
 * @example
 * throw new ContrastiveError({ component: "ntXent", argument: "temperature",
 *   received: "0", expected: "a number > 0, e.g. 0.5" });
 * // ntXent: temperature must be a number > 0, e.g. 0.5; got 0
 */
export class ContrastiveError extends Error {
  readonly component: string;
  readonly argument: string;
  readonly received: string;
  readonly expected: string;
  private readonly [marker] = true;

  constructor(options: ContrastiveErrorOptions) {
    super(`${options.component}: ${options.argument} must be ${options.expected}; got ${options.received}`, {
      cause: options.cause,
    });
    this.name = "ContrastiveError";
    this.component = options.component;
    this.argument = options.argument;
    this.received = options.received;
    this.expected = options.expected;
    // Every class of the chain, e.g. ["NonFiniteError", "ContrastiveError"], not enumerable.
    const chain: string[] = [];
    for (let c = new.target as unknown as { name: string } | null; c !== null && c.name !== "Error" && c.name !== ""; c = Object.getPrototypeOf(c)) {
      chain.push(c.name);
    }
    Object.defineProperty(this, kinds, { value: chain, enumerable: false });
  }

  /** See {@link ContrastiveError.isInstance}; `instanceof` also holds across copies of the package. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasInstance.call(this, value);
  }

  static isInstance(error: unknown): error is ContrastiveError {
    return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/** A backend or optional package that the environment lacks (e.g. gradients without `@tensorflow/tfjs`). */
export class MissingDependencyError extends ContrastiveError {
  constructor(options: ContrastiveErrorOptions) {
    super(options);
    this.name = "MissingDependencyError";
  }
}

/** A value that became NaN or infinite during training (loss, gradient, weight). */
export class NonFiniteError extends ContrastiveError {
  constructor(options: ContrastiveErrorOptions) {
    super(options);
    this.name = "NonFiniteError";
  }
}

/** Formats a value for an error message: shapes as `[a, b]`, strings quoted, objects by type. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (Array.isArray(value)) return value.length <= 8 ? `[${value.map(describeValue).join(", ")}]` : `array of length ${value.length}`;
  const shaped = value as { shape?: unknown; dtype?: unknown };
  if (Array.isArray(shaped.shape) && typeof shaped.dtype === "string") {
    return `${shaped.dtype} tensor of shape [${(shaped.shape as number[]).join(", ")}]`;
  }
  if (typeof value === "function") return `function ${value.name || "(anonymous)"}`;
  return `object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}
