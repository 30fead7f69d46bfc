import { ContrastiveError } from "./errors.js";

/** Options of {@link confinePath}. */
export interface ConfineOptions {
  /** Component named in errors. */
  component: string;
  /**
   * Accept a file that is a symlink (or lies behind one) pointing outside the folder, as in model
   * caches built of symlinks to a blob store. Default false: such a file is refused. `..` and absolute
   * names are refused either way.
   */
  allowSymlinks?: boolean;
}

/**
 * Resolves `name` inside `folder` and refuses anything that leaves it: absolute names, `..` segments
 * that climb out, and (unless `allowSymlinks`) symlinks whose real path lies outside the real folder.
 * Returns the joined path. A name that does not exist yet is checked lexically only (its reader then
 * reports ENOENT). Node only (imports `node:fs` and `node:path` when called).
 *
 * @throws {ContrastiveError} naming the folder and the name when it escapes.
 * @example
 * const weights = await confinePath("./model", "./weights.bin", { component: "fileSystemHandler" });
 */
export async function confinePath(folder: string, name: string, options: ConfineOptions): Promise<string> {
  const { isAbsolute, relative, resolve, join } = await import("node:path");
  const { realpath } = await import("node:fs/promises");
  const refuse = (received: string): never => {
    throw new ContrastiveError({
      component: options.component,
      argument: `${JSON.stringify(name)} in ${folder}`,
      received,
      expected: `a file inside ${folder} (no absolute path, no '..' out of it${options.allowSymlinks ? "" : ", no symlink out of it unless { allowSymlinks: true }"})`,
    });
  };
  const outside = (base: string, path: string) => {
    const rel = relative(base, path);
    return rel === ".." || rel.startsWith(`..${"/"}`) || rel.startsWith("..\\") || isAbsolute(rel);
  };
  if (typeof name !== "string" || name.length === 0 || name.includes("\0")) refuse(`a name that is not a plain relative path (${JSON.stringify(name)})`);
  if (isAbsolute(name)) refuse("an absolute path");
  const joined = join(folder, name);
  if (outside(resolve(folder), resolve(joined))) refuse(`a path that leaves the folder (${resolve(joined)})`);
  if (options.allowSymlinks) return joined;
  let realFolder: string;
  let realFile: string;
  try {
    realFolder = await realpath(folder);
    realFile = await realpath(joined);
  } catch {
    return joined; // missing: the reader names it
  }
  if (outside(realFolder, realFile)) refuse(`a symlink to ${realFile}, outside the folder`);
  return joined;
}
