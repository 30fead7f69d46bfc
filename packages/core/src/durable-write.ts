import { withFileSystemFaults } from "./fs-fault.js";

/**
 * Writes `data` to `path` and flushes it to the device (`fsync`) before returning, so that a rename
 * that follows publishes complete bytes even after a power loss. File-system errors become a
 * `ContrastiveError` naming `component`, the operation and the path. Node only.
 *
 * @example
 * await writeFileDurably("saveBankState", "queue.bin.tmp", bytes);
 */
export async function writeFileDurably(component: string, path: string, data: Uint8Array | string): Promise<void> {
  const fs = await import("node:fs/promises");
  await withFileSystemFaults(component, "write", path, async () => {
    const handle = await fs.open(path, "w");
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}
