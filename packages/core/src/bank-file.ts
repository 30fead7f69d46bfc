import type { BankState, NegativeBank } from "./contracts.js";
import { ContrastiveError } from "./errors.js";

const MAGIC = "contrastive-bank/1";

/**
 * Writes a bank's contents (`bank.state()`) to one file, atomically: a temporary file in the same
 * folder, then a rename, so a crash or a kill mid-write leaves the previous file whole. Format: a
 * 4-byte little-endian header length, a JSON header (name, shape, extras), then the float32 values.
 *
 * @example
 * await saveBankState(queue, "checkpoints/queue.bin");
 */
export async function saveBankState(bank: NegativeBank, path: string): Promise<void> {
  const fs = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  const state = bank.state();
  const header = new TextEncoder().encode(JSON.stringify({ magic: MAGIC, name: state.name, shape: state.shape, extra: state.extra ?? {} }));
  const bytes = new Uint8Array(4 + header.byteLength + state.values.byteLength);
  new DataView(bytes.buffer).setUint32(0, header.byteLength, true);
  bytes.set(header, 4);
  bytes.set(new Uint8Array(state.values.buffer, state.values.byteOffset, state.values.byteLength), 4 + header.byteLength);
  await fs.mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    await fs.writeFile(temporary, bytes);
    await fs.rename(temporary, path);
  } finally {
    await fs.rm(temporary, { force: true });
  }
}

/**
 * Reads a file written by {@link saveBankState} and restores it into `bank` (which checks the name
 * and shape).
 *
 * @throws {ContrastiveError} naming the path when the file is missing, truncated or not a bank file.
 */
export async function restoreBankState(bank: NegativeBank, path: string): Promise<void> {
  const fs = await import("node:fs/promises");
  const fail = (received: string): never => {
    throw new ContrastiveError({ component: "restoreBankState", argument: path, received, expected: "a complete file written by saveBankState" });
  };
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path);
  } catch (error) {
    return fail((error as { code?: string }).code === "ENOENT" ? "no such file" : `unreadable (${String(error)})`);
  }
  const headerLength = bytes.byteLength >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) : -1;
  if (headerLength < 0 || 4 + headerLength > bytes.byteLength) return fail(`${bytes.byteLength} bytes, too short for its header`);
  let header: { magic?: string; name: string; shape: [number, number]; extra: Record<string, number> };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  } catch {
    return fail("a header that is not JSON");
  }
  if (header.magic !== MAGIC) return fail(`a header without the '${MAGIC}' mark`);
  const want = 4 + headerLength + header.shape[0] * header.shape[1] * 4;
  if (bytes.byteLength !== want) return fail(`${bytes.byteLength} bytes (${bytes.byteLength < want ? "truncated" : "too long"}; ${want} expected for shape [${header.shape.join(", ")}])`);
  // (a copy: Node's Buffer.slice shares its pooled memory, which may not be 4-byte aligned)
  const values = new Float32Array(Uint8Array.from(bytes.subarray(4 + headerLength)).buffer);
  const state: BankState = { name: header.name, shape: header.shape, values, extra: header.extra };
  bank.restore(state);
}
