/**
 * SHA-256 of `bytes` as 64 lowercase hex digits, with the Web Crypto API (`crypto.subtle`), which
 * Node ≥ 20 and every browser provide: no Node built-in is imported. Used to record the files of a
 * saved model, bank or checkpoint and to refuse corrupted ones.
 *
 * @example
 * const hex = await sha256Hex(new Uint8Array([1, 2, 3]));
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
