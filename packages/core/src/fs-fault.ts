import { ContrastiveError } from "./errors.js";

const meanings: Record<string, string> = {
  ENOENT: "no such file or folder",
  EISDIR: "a folder, where a file was expected",
  ENOTDIR: "a path through something that is not a folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
  EROFS: "a read-only file system",
  EMFILE: "too many open files",
  ENOTEMPTY: "a folder that is not empty",
  EEXIST: "something already there",
};

/**
 * Turns a Node file-system error into a {@link ContrastiveError} naming the component, the operation
 * and the path, with the error code spelled out (`ENOSPC (no space left on the device)`); the original
 * error is kept as `cause`. Other errors (already a `ContrastiveError`) are returned unchanged.
 *
 * @example
 * try { await fs.readFile(path); } catch (error) { throw fileSystemFault("cifar10", "read", path, error); }
 * // cifar10: /data/cifar/data_batch_1.bin must be readable (read); got EISDIR (a folder, where a file was expected)
 */
export function fileSystemFault(component: string, operation: string, path: string, error: unknown): Error {
  if (ContrastiveError.isInstance(error)) return error;
  const code = (error as { code?: string } | undefined)?.code;
  const received = code ? `${code} (${meanings[code] ?? (error as Error).message})` : String(error);
  const expected = /write|rename|save|mkdir|remove|sync|lock/.test(operation) ? `a writable location with free space (${operation})` : `readable (${operation})`;
  return new ContrastiveError({ component, argument: path, received, expected, cause: error });
}

/**
 * Runs `action` and rethrows any file-system error through {@link fileSystemFault}.
 *
 * @example
 * const bytes = await withFileSystemFaults("imageFolder", "read", path, () => fs.readFile(path));
 */
export async function withFileSystemFaults<T>(component: string, operation: string, path: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw fileSystemFault(component, operation, path, error);
  }
}
