import { ContrastiveError } from "./errors.js";
import { type Safetensors, type SafetensorsInput, parseSafetensors, serializeSafetensors } from "./safetensors.js";

/**
 * Reads a `.safetensors` file from the local file system and parses it with {@link parseSafetensors}
 * (the path appears in every error). Node only (`node:fs`).
 *
 * @throws {ContrastiveError} naming the path when the file is missing or unreadable, and every error
 *   of {@link parseSafetensors} (malformed header, offsets, byte counts, dtypes) with the tensor's name.
 * @example
 * const { tensors, metadata } = await readSafetensorsFile("./resnet18.safetensors");
 */
export async function readSafetensorsFile(path: string): Promise<Safetensors> {
  const fs = await import("node:fs/promises");
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ContrastiveError({ component: "readSafetensorsFile", argument: "path", received: `${JSON.stringify(path)} (${code === "ENOENT" ? "no such file" : `unreadable: ${code ?? String(error)}`})`, expected: "an existing, readable .safetensors file", cause: error });
  }
  return parseSafetensors(bytes, { source: path });
}

/**
 * Writes named float32 (`F32`) and int64 (`I64`) tensors to `path` as safetensors, atomically: the
 * bytes go to a temporary file in the same directory, which is then renamed, so a crash leaves either
 * the old file or the new one. Creates the parent directory. Node only (`node:fs`).
 *
 * @throws {ContrastiveError} from {@link serializeSafetensors} for a bad tensor or metadata.
 * @example
 * await writeSafetensorsFile("./out.safetensors", new Map([["w", { shape: [2], values: new Float32Array([1, 2]) }]]), { format: "pt" });
 */
export async function writeSafetensorsFile(path: string, tensors: ReadonlyMap<string, SafetensorsInput> | Record<string, SafetensorsInput>, metadata?: Record<string, string>): Promise<void> {
  const bytes = serializeSafetensors(tensors, metadata === undefined ? {} : { metadata });
  const fs = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  await fs.mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await fs.writeFile(temporary, bytes);
    await fs.rename(temporary, path);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}
