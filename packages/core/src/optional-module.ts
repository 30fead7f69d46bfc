import { MissingDependencyError } from "./errors.js";

/** How to name an optional package when it is missing. */
export interface OptionalModuleOptions {
  /** The npm package, e.g. `sharp`. */
  packageName: string;
  /** The component that needs it, e.g. `image.decodeImage`. */
  component: string;
  /** What it is for, e.g. `decoding image files`. */
  purpose: string;
}

const notFound = /Cannot find (module|package)|Could not resolve|Failed to resolve|Can't resolve|ERR_MODULE_NOT_FOUND|MODULE_NOT_FOUND/;

/**
 * Loads an optional peer dependency on first use. `load` is a function with a literal
 * `import("name")` in the calling package, so that bundlers and Node resolve it from there.
 * A package that is not installed becomes a {@link MissingDependencyError} naming it and the
 * install command; any other failure (a broken native binding) is passed on as it is.
 *
 * @throws {MissingDependencyError} when the package is not installed.
 * @example
 * const sharp = await importOptional(() => import("sharp"), { packageName: "sharp", component: "decodeImage", purpose: "decoding image files" });
 */
export async function importOptional<T>(load: () => Promise<T>, options: OptionalModuleOptions): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The package itself, quoted, not a file inside it (a broken install) nor a package it needs.
    const namesPackage = message.includes(`'${options.packageName}'`) || message.includes(`"${options.packageName}"`);
    if (notFound.test(message) && namesPackage) {
      throw new MissingDependencyError({
        component: options.component,
        argument: options.packageName,
        received: "a project without it installed",
        expected: `installed for ${options.purpose}: npm install ${options.packageName}`,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Wraps {@link importOptional} in a function that loads the module once and returns the same
 * promise afterwards (a failed load is retried on the next call).
 */
export function lazyOptional<T>(load: () => Promise<T>, options: OptionalModuleOptions): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= importOptional(load, options).catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
