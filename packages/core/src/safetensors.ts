import { ContrastiveError } from "./errors.js";
import { bfloat16ToFloat32, float16ToFloat32 } from "./half-float.js";

/** A tensor of a safetensors file: float32, float16 and bfloat16 are read as float32; int64 (e.g. `num_batches_tracked`) as bigint. */
export type SafetensorsTensor =
  | { dtype: "F32" | "F16" | "BF16"; shape: number[]; values: Float32Array }
  | { dtype: "I64"; shape: number[]; values: BigInt64Array };

/** A parsed safetensors file: tensors by name (in file order) and the optional `__metadata__` strings. */
export interface Safetensors {
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** A tensor to write: float32 values are written as `F32`, bigint values as `I64`. */
export interface SafetensorsInput {
  shape: readonly number[];
  values: Float32Array | BigInt64Array;
}

/** The largest JSON header accepted, in bytes (the reference implementation's limit). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of every dtype of the format, so byte counts are checked even for dtypes that are then refused. */
const elementBytes: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, U64: 8, I32: 4, U32: 4, I16: 2, U16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };
const component = "safetensors";
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(argument: string, received: string, expected: string, cause?: unknown): never {
  throw new ContrastiveError({ component, argument, received, expected, ...(cause === undefined ? {} : { cause }) });
}

function decode(dtype: string, bytes: Uint8Array, where: string): SafetensorsTensor["values"] {
  const copy = () => new Uint8Array(bytes).buffer; // an aligned copy (Buffer.slice would share memory)
  if (dtype === "F16") return float16ToFloat32(bytes);
  if (dtype === "BF16") return bfloat16ToFloat32(bytes);
  if (dtype === "F32") {
    if (littleEndian) return new Float32Array(copy());
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
  }
  if (dtype === "I64") {
    if (littleEndian) return new BigInt64Array(copy());
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return BigInt64Array.from({ length: bytes.byteLength / 8 }, (_, i) => view.getBigInt64(8 * i, true));
  }
  return fail(`${where} dtype`, JSON.stringify(dtype), "F32, F16 or BF16 (read as float32) or I64; convert the tensor in PyTorch first, e.g. tensor.float()");
}

/**
 * Parses the bytes of a safetensors file (Hugging Face's format: an 8-byte little-endian header length
 * N, N bytes of JSON mapping each name to `{ dtype, shape, data_offsets: [begin, end] }` plus an
 * optional `__metadata__` of strings, then the little-endian data). F32, F16 and BF16 tensors come back
 * as float32, I64 ones as bigint; other dtypes are refused. Environment-neutral; never reads outside `bytes`.
 *
 * @param options.source The file's path or name, used in error messages. Default `'<bytes>'`.
 * @throws {ContrastiveError} naming the source (and the tensor) for: a buffer shorter than 8 bytes, a header
 *   length beyond the buffer or above {@link SAFETENSORS_MAX_HEADER_BYTES}, a header that is not a JSON object,
 *   an entry without a valid dtype, shape or data_offsets, offsets out of range, overlapping or leaving gaps,
 *   a byte count that is not dtype size × product(shape), or an unsupported dtype.
 * @example
 * const { tensors } = parseSafetensors(bytes, { source: "resnet18.safetensors" });
 * tensors.get("conv1.weight"); // { dtype: "F32", shape: [64, 3, 7, 7], values: Float32Array(9408) }
 */
export function parseSafetensors(bytes: Uint8Array, options: { source?: string } = {}): Safetensors {
  const source = options.source ?? "<bytes>";
  if (!(bytes instanceof Uint8Array)) fail(`${source}`, typeof bytes, "a Uint8Array of a safetensors file");
  if (bytes.byteLength < 8) fail(`${source} header length`, `a file of ${bytes.byteLength} bytes`, "at least 8 bytes (the header length); the file is truncated or not safetensors");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const high = view.getUint32(4, true);
  const headerBytes = high * 2 ** 32 + view.getUint32(0, true);
  if (headerBytes > SAFETENSORS_MAX_HEADER_BYTES) fail(`${source} header length`, `${headerBytes} bytes`, `at most ${SAFETENSORS_MAX_HEADER_BYTES} bytes; the file is corrupt or not safetensors`);
  if (8 + headerBytes > bytes.byteLength) fail(`${source} header length`, `${headerBytes} bytes in a file of ${bytes.byteLength}`, "a header that fits in the file; the file is truncated or not safetensors");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes)));
  } catch (error) {
    fail(`${source} header`, `${headerBytes} bytes that are not UTF-8 JSON`, "a JSON object of tensor entries", error);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) fail(`${source} header`, Array.isArray(header) ? "a JSON array" : `JSON ${typeof header}`, "a JSON object of tensor entries");
  const dataStart = 8 + headerBytes;
  const dataBytes = bytes.byteLength - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Array<{ name: string; dtype: string; shape: number[]; begin: number; end: number }> = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (entry === null || typeof entry !== "object" || Array.isArray(entry) || !Object.values(entry).every((v) => typeof v === "string")) fail(`${source} __metadata__`, JSON.stringify(entry), "an object of string values");
      Object.assign(metadata, entry);
      continue;
    }
    const where = `${source} tensor ${JSON.stringify(name)}`;
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== "string" || elementBytes[dtype] === undefined) fail(`${where} dtype`, JSON.stringify(dtype), `one of ${Object.keys(elementBytes).join(", ")}`);
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) fail(`${where} shape`, JSON.stringify(shape), "a list of non-negative integers");
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) fail(`${where} data_offsets`, JSON.stringify(offsets), "[begin, end] with 0 ≤ begin ≤ end");
    const [begin, end] = offsets as [number, number];
    if (end > dataBytes) fail(`${where} data_offsets`, `[${begin}, ${end}] with ${dataBytes} data bytes in the file`, "offsets within the data section; the file is truncated or corrupt");
    const want = (shape as number[]).reduce((n, s) => n * s, 1) * (elementBytes[dtype] as number);
    if (end - begin !== want) fail(`${where} data_offsets`, `${end - begin} bytes for ${dtype} of shape [${(shape as number[]).join(", ")}]`, `${want} bytes (dtype size × product of the shape)`);
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  let cursor = 0;
  for (const entry of [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    const where = `${source} tensor ${JSON.stringify(entry.name)}`;
    if (entry.begin < cursor) fail(`${where} data_offsets`, `[${entry.begin}, ${entry.end}], overlapping the previous tensor (ends at ${cursor})`, "tensors that do not overlap");
    if (entry.begin > cursor) fail(`${where} data_offsets`, `[${entry.begin}, ${entry.end}], leaving a gap after byte ${cursor}`, "tensors packed one after another from offset 0");
    cursor = entry.end;
  }
  if (cursor !== dataBytes) fail(`${source} data`, `${dataBytes} data bytes of which the tensors cover ${cursor}`, "tensors that cover the data section exactly (no trailing bytes)");
  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, dtype, shape, begin, end } of entries) {
    const values = decode(dtype, bytes.subarray(dataStart + begin, dataStart + end), `${source} tensor ${JSON.stringify(name)}`);
    tensors.set(name, { dtype, shape, values } as SafetensorsTensor);
  }
  return { tensors, metadata };
}

/**
 * Serializes named tensors to the bytes of a safetensors file that `safetensors.torch.load_file` and
 * {@link parseSafetensors} read: float32 arrays as `F32`, `BigInt64Array`s as `I64`, in the given order,
 * with an optional `__metadata__` of strings. The header is padded with spaces to a multiple of 8 bytes.
 *
 * @throws {ContrastiveError} for a name `__metadata__`, an array that is not float32/int64, or a shape
 *   whose product is not the number of values.
 * @example
 * const bytes = serializeSafetensors(new Map([["fc.weight", { shape: [2, 3], values: new Float32Array(6) }]]), { metadata: { format: "pt" } });
 */
export function serializeSafetensors(tensors: ReadonlyMap<string, SafetensorsInput> | Record<string, SafetensorsInput>, options: { metadata?: Record<string, string> } = {}): Uint8Array {
  const list: Array<[string, SafetensorsInput]> = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors as Record<string, SafetensorsInput>);
  const header: Record<string, unknown> = {};
  if (options.metadata !== undefined) {
    if (!Object.values(options.metadata).every((v) => typeof v === "string")) fail("metadata", JSON.stringify(options.metadata), "an object of string values (safetensors stores strings only)");
    header.__metadata__ = options.metadata;
  }
  let offset = 0;
  for (const [name, tensor] of list) {
    if (name === "__metadata__") fail("tensors", `a tensor named "__metadata__"`, "another name; __metadata__ is reserved");
    const values = tensor?.values;
    const dtype = values instanceof Float32Array ? "F32" : values instanceof BigInt64Array ? "I64" : fail(`tensors[${JSON.stringify(name)}].values`, Object.prototype.toString.call(values), "a Float32Array (F32) or BigInt64Array (I64)");
    const count = tensor.shape.reduce((n, s) => n * s, 1);
    if (!tensor.shape.every((s) => Number.isSafeInteger(s) && s >= 0) || count !== values.length) fail(`tensors[${JSON.stringify(name)}].shape`, `[${tensor.shape.join(", ")}] for ${values.length} values`, "a shape whose product is the number of values");
    header[name] = { dtype, shape: [...tensor.shape], data_offsets: [offset, offset + values.byteLength] };
    offset += values.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) json = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(padded - json.byteLength));
  const out = new Uint8Array(8 + json.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.byteLength, true);
  out.set(json, 8);
  let cursor = 8 + json.byteLength;
  for (const [, { values }] of list) {
    if (littleEndian) out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), cursor);
    else for (let i = 0; i < values.length; i++) values instanceof Float32Array ? view.setFloat32(cursor + 4 * i, values[i] as number, true) : view.setBigInt64(cursor + 8 * i, values[i] as bigint, true);
    cursor += values.byteLength;
  }
  return out;
}
