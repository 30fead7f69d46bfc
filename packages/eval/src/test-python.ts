import { spawnSync } from "node:child_process";

/** Test helper (not exported): runs Debian's /usr/bin/python3, where the project's PyTorch is installed. */
export const PYTHON = "/usr/bin/python3";

/** Whether `/usr/bin/python3` can import every module named; the reason when not. */
export function pythonHas(...modules: string[]): { ok: boolean; reason: string } {
  const result = spawnSync(PYTHON, ["-c", `import ${modules.join(", ")}`], { encoding: "utf8" });
  if (result.error) return { ok: false, reason: `${PYTHON} not found (${result.error.message})` };
  if (result.status !== 0) return { ok: false, reason: `${PYTHON} cannot import ${modules.join(", ")}: ${result.stderr.trim().split("\n").pop()}` };
  return { ok: true, reason: "" };
}

/** Runs a Python script (code or file plus arguments) and returns its standard output; throws on failure. */
export function runPython(args: string[], input?: string): string {
  const result = spawnSync(PYTHON, args, { encoding: "utf8", input, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${PYTHON} ${args[0]} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}
