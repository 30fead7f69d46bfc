import { describe, expect, it } from "vitest";
import { ContrastiveError, MissingDependencyError } from "./errors.js";
import { importOptional, lazyOptional } from "./optional-module.js";

const options = { packageName: "sharp", component: "image.decodeImage", purpose: "decoding image files" };

describe("importOptional", () => {
  it("returns the module when it loads", async () => {
    expect(await importOptional(async () => ({ version: 1 }), options)).toEqual({ version: 1 });
  });

  it("turns a real missing package into MissingDependencyError naming it and the install command", async () => {
    const error = await importOptional(() => import("a-package-that-is-not-installed-anywhere" as string), {
      ...options,
      packageName: "a-package-that-is-not-installed-anywhere",
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDependencyError);
    expect((error as Error).message).toBe(
      "image.decodeImage: a-package-that-is-not-installed-anywhere must be installed for decoding image files: npm install a-package-that-is-not-installed-anywhere; got a project without it installed",
    );
  });

  it("passes on other failures (a broken install, or another package missing) unchanged", async () => {
    const broken = new Error("Cannot find module '/x/node_modules/sharp/build/Release/sharp.node'");
    const other = new Error("Cannot find package 'detect-libc' imported from /x/node_modules/sharp/lib/index.js");
    const syntax = new SyntaxError("Unexpected token");
    expect(await importOptional(() => Promise.reject(syntax), options).catch((e: unknown) => e)).toBe(syntax);
    for (const error of [broken, other]) {
      const got = await importOptional(() => Promise.reject(error), options).catch((e: unknown) => e);
      expect(got).toBe(error);
      expect(ContrastiveError.isInstance(got)).toBe(false);
    }
  });
});

describe("lazyOptional", () => {
  it("loads once, and retries after a failure", async () => {
    let calls = 0;
    let fail = true;
    const load = lazyOptional(async () => {
      calls += 1;
      if (fail) throw new Error("Cannot find package 'sharp' imported from /x.js");
      return "sharp";
    }, options);
    await expect(load()).rejects.toBeInstanceOf(MissingDependencyError);
    fail = false;
    expect(await load()).toBe("sharp");
    expect(await load()).toBe("sharp");
    expect(calls).toBe(2);
  });
});
