import { sha256Hex } from "./checksum.js";
import type { BankState, NegativeBank } from "./contracts.js";
import { writeFileDurably } from "./durable-write.js";
import { ContrastiveError } from "./errors.js";
import { withFileSystemFaults } from "./fs-fault.js";

const MAGIC = "contrastive-bank/1";

/**
 * Writes a bank's contents (`bank.state()`) to one file, atomically: a temporary file in the same
 * folder (flushed to the device), then a rename, so a crash or a kill mid-write leaves the previous
 * file whole. Format: a 4-byte little-endian header length, a JSON header (name, shape, extras, the
 * SHA-256 of the values), then the float32 values.
 *
 * @throws {ContrastiveError} naming the operation and the path of a file-system fault (ENOSPC, EACCES, …).
 * @example
 * await saveBankState(queue, "checkpoints/queue.bin");
 */
export async function saveBankState(bank: NegativeBank, path: string): Promise<void> {
  const fs = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  const state = bank.state();
  const payload = new Uint8Array(state.values.buffer, state.values.byteOffset, state.values.byteLength);
  const sha256 = await sha256Hex(payload);
  const header = new TextEncoder().encode(JSON.stringify({ magic: MAGIC, name: state.name, shape: state.shape, extra: state.extra ?? {}, sha256 }));
  const bytes = new Uint8Array(4 + header.byteLength + payload.byteLength);
  new DataView(bytes.buffer).setUint32(0, header.byteLength, true);
  bytes.set(header, 4);
  bytes.set(payload, 4 + header.byteLength);
  await withFileSystemFaults("saveBankState", "mkdir", dirname(path), () => fs.mkdir(dirname(path), { recursive: true }));
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await writeFileDurably("saveBankState", temporary, bytes);
    await withFileSystemFaults("saveBankState", "rename", path, () => fs.rename(temporary, path));
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

/**
 * Reads and checks a file written by {@link saveBankState} without touching any bank: the header, the
 * shape (two positive integers), the byte count, the SHA-256 of the values (files from before checksums
 * were recorded are accepted without it) and that every value is finite. Restore the result with
 * `bank.restore(state)`.
 *
 * @throws {ContrastiveError} naming the path when the file is missing, unreadable, truncated, corrupted
 *   or not a bank file.
 * @example
 * const state = await readBankState("checkpoints/queue.bin");
 */
export async function readBankState(path: string): Promise<BankState> {
  const fs = await import("node:fs/promises");
  const fail = (received: string): never => {
    throw new ContrastiveError({ component: "restoreBankState", argument: path, received, expected: "a complete file written by saveBankState" });
  };
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    return fail(code === "ENOENT" ? "no such file" : code === "EISDIR" ? "EISDIR (a folder, not a file)" : `unreadable (${code ?? String(error)})`);
  }
  const headerLength = bytes.byteLength >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) : -1;
  if (headerLength < 0 || 4 + headerLength > bytes.byteLength) return fail(`${bytes.byteLength} bytes, too short for its header`);
  let header: { magic?: unknown; name?: unknown; shape?: unknown; extra?: unknown; sha256?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  } catch {
    return fail("a header that is not JSON");
  }
  if (header === null || typeof header !== "object" || header.magic !== MAGIC) return fail(`a header without the '${MAGIC}' mark`);
  const shape = header.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((s) => Number.isInteger(s) && s > 0)) {
    return fail(`a header whose shape is ${JSON.stringify(shape) ?? "missing"} (two positive integers [rows, dim] expected)`);
  }
  if (typeof header.name !== "string") return fail(`a header whose name is ${JSON.stringify(header.name) ?? "missing"}`);
  const [rows, dim] = shape as [number, number];
  const want = 4 + headerLength + rows * dim * 4;
  if (bytes.byteLength !== want) return fail(`${bytes.byteLength} bytes (${bytes.byteLength < want ? "truncated" : "too long"}; ${want} expected for shape [${rows}, ${dim}])`);
  const payload = bytes.subarray(4 + headerLength);
  if (typeof header.sha256 === "string" && (await sha256Hex(payload)) !== header.sha256) return fail("values whose SHA-256 differs from the one in its header (corrupted)");
  // (a copy: Node's Buffer.slice shares its pooled memory, which may not be 4-byte aligned)
  const values = new Float32Array(Uint8Array.from(payload).buffer);
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return fail(`a non-finite value (${values[bad]}) at row ${Math.floor(bad / dim)}`);
  const extra = header.extra !== null && typeof header.extra === "object" ? (header.extra as Record<string, number>) : {};
  return { name: header.name, shape: [rows, dim], values, extra };
}

/**
 * Reads a file written by {@link saveBankState} and restores it into `bank` (which checks the name
 * and shape). The file is read and checked completely before the bank is touched: a refused file
 * leaves the bank as it was.
 *
 * @throws {ContrastiveError} naming the path when the file is missing, truncated, corrupted (checksum,
 *   non-finite values) or not a bank file.
 * @example
 * await restoreBankState(queue, "checkpoints/queue.bin");
 */
export async function restoreBankState(bank: NegativeBank, path: string): Promise<void> {
  bank.restore(await readBankState(path));
}
