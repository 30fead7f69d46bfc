import * as tf from "@tensorflow/tfjs-core";
import { ContrastiveError } from "@contrastive/core";
import { demo, demoSpec } from "./commands/demo.js";
import { digits, digitsSpec } from "./commands/digits.js";
import { embed, embedSpec } from "./commands/embed.js";
import { evalSpec, evaluate } from "./commands/eval.js";
import { exportSpec, exportWeights, importSpec, importWeights } from "./commands/torch-weights.js";
import { train, trainSpec } from "./commands/train.js";
import { UsageError } from "./usage-error.js";

const commands = { train: [train, trainSpec], embed: [embed, embedSpec], eval: [evaluate, evalSpec], demo: [demo, demoSpec], digits: [digits, digitsSpec], import: [importWeights, importSpec], export: [exportWeights, exportSpec] } as const;

const overview = `usage: contrastive <command> [flags]

Contrastive representation learning on TensorFlow.js, from the command line.

commands:
${Object.entries(commands).map(([name, [, spec]]) => `  ${name.padEnd(6)}  ${spec.short}\n          ${spec.usage}`).join("\n")}

\`contrastive <command> --help\` describes each command's flags.`;

/**
 * Runs the `contrastive` command line with `argv` (without `node` and the script) and returns the
 * exit code: 0 on success, 2 for a usage error (one line on standard error naming the flag or path
 * and what is expected), 130 after Ctrl-C in `train`, 1 for any other failure (its message on one
 * line; the stack with `CONTRASTIVE_DEBUG=1`).
 *
 * @example
 * process.exitCode = await runCli(["eval", "--model", "runs/a", "--train", "data/train", "--test", "data/test"]);
 */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  tf.enableProdMode(); // no "running TensorFlow.js in Node.js" banner on the cpu backend
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") return (console.log(overview), 0);
    if (name === "--version") return (console.log((await import("../package.json", { with: { type: "json" } })).default.version), 0);
    const command = commands[name as keyof typeof commands];
    if (!command) throw new UsageError(`unknown command '${name}'; expected one of ${Object.keys(commands).join(", ")} (see contrastive --help)`);
    return await command[0](rest);
  } catch (error) {
    const debug = process.env.CONTRASTIVE_DEBUG === "1";
    const firstLine = (text: string) => text.split("\n")[0] as string;
    if (error instanceof UsageError) {
      process.stderr.write(`contrastive${name && name in commands ? ` ${name}` : ""}: ${firstLine(error.message)}\n`);
      return 2;
    }
    if (ContrastiveError.isInstance(error)) {
      process.stderr.write(`contrastive ${name}: ${firstLine((error as Error).message)}\n`);
      if (debug) process.stderr.write(`${(error as Error).stack}\n`);
      return 2;
    }
    process.stderr.write(`contrastive ${name}: ${firstLine(String((error as Error)?.message ?? error))}${debug ? "" : " (CONTRASTIVE_DEBUG=1 shows where)"}\n`);
    if (debug) process.stderr.write(`${(error as Error)?.stack}\n`);
    return 1;
  }
}
