import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built command line (`pnpm turbo run build --filter=@contrastive/cli...` makes it). */
export const CLI = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));

/** What a spawned command returned. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns `node dist/cli.js …args` as a user would (not a TTY, CI set so progress is plain lines);
 * `onStderr` sees standard error as it arrives (e.g. to send SIGINT once training has started).
 */
export function runBuiltCli(args: string[], options: { cwd?: string; onStderr?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (pnpm turbo run build --filter=@contrastive/cli...)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, CI: "1", CONTRASTIVE_DEBUG: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      options.onStderr?.(stderr, child);
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
