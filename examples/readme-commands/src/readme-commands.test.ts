/*
 * Every shell command written in the READMEs (root and examples, ```sh blocks) runs as written, in its
 * short mode: `--smoke` appended (a few steps on a small subset). Setup commands (install, build, test)
 * are left to CI, which runs them first. Needs the workspace built (`pnpm test` builds before vitest).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SETUP_COMMANDS, readmeFiles, shellCommands } from "./readme-commands.js";

const root = fileURLToPath(new URL("../../..", import.meta.url));
const seen = new Set<string>();
const runs: { readme: string; command: string }[] = [];
for (const readme of readmeFiles(root)) {
  for (const command of shellCommands(readFileSync(`${root}/${readme}`, "utf8"))) {
    if (SETUP_COMMANDS.some((setup) => command === setup || command.startsWith(`${setup} `))) continue;
    const smoke = `${command} --smoke`;
    if (!seen.has(smoke)) (seen.add(smoke), runs.push({ readme, command: smoke }));
  }
}

describe("README commands run as written (with --smoke)", () => {
  it("finds the commands of the root README and of every example", () => {
    expect(runs.map((r) => r.readme)).toEqual(expect.arrayContaining(["README.md", "examples/moco/README.md", "examples/image-folder/README.md"]));
    expect(runs.length).toBeGreaterThanOrEqual(8);
  });

  it.each(runs)("$readme: $command", ({ command }) => {
    const run = spawnSync("sh", ["-c", command], { cwd: root, encoding: "utf8", timeout: 200_000, env: { ...process.env, FORCE_COLOR: "0" } });
    expect(run.status, `${command}\n${run.stderr.slice(-3000)}`).toBe(0);
    expect(run.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
  });
});

describe("shellCommands", () => {
  it("joins continuations, drops comments and prompts, and reads only shell blocks", () => {
    const markdown = "```sh\npnpm demo   # two epochs\n$ pnpm x \\\n  --a 1\n\n# a comment line\n```\n```ts\nnot(a, command)\n```\n```bash\necho '#not a comment'\n```\n";
    expect(shellCommands(markdown)).toEqual(["pnpm demo", "pnpm x --a 1", "echo '#not a comment'"]);
  });
});
