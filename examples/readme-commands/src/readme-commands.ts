import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** A shell command of a README's ```sh block, with its comment and line continuations removed. */
export interface ReadmeCommand {
  readme: string;
  command: string;
}

/** Commands that set the repository up or run the tests: CI runs them before this test (running `pnpm test` here would recurse). */
export const SETUP_COMMANDS = ["pnpm install", "pnpm build", "pnpm test", "pnpm i", "pnpm typecheck"];

/** The README files of the repository's root and examples, relative to `root`. */
export function readmeFiles(root: string): string[] {
  const examples = readdirSync(join(root, "examples"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `examples/${entry.name}/README.md`)
    .filter((path) => { try { return readFileSync(join(root, path)).length > 0; } catch { return false; } });
  return ["README.md", ...examples.sort()];
}

/** The commands of every ```sh (or ```bash, ```shell) block of `markdown`: `\` continuations joined, `# …` comments dropped. */
export function shellCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^```(?:sh|bash|shell)\s*\n([\s\S]*?)^```/gm)) {
    const joined = (block[1] as string).replace(/[ \t]*\\\n\s*/g, " ");
    for (const line of joined.split("\n")) {
      const command = line.replace(/(^|\s)#.*$/, "").trim().replace(/^\$\s+/, "");
      if (command !== "") commands.push(command);
    }
  }
  return commands;
}

/** The fenced ```ts block that follows the heading `heading` in `markdown`. */
export function snippetAfter(markdown: string, heading: string): string {
  const start = markdown.indexOf(heading);
  const block = start < 0 ? null : /```ts\s*\n([\s\S]*?)^```/m.exec(markdown.slice(start));
  if (block === null) throw new Error(`no \`\`\`ts block after "${heading}"`);
  return block[1] as string;
}
