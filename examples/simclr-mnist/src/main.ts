/**
 * SimCLR on the MNIST digits, end to end: the project's demo. The recipe (two views of each digit →
 * ConvNet 32-64-128 → MLP head → NT-Xent τ 0.5, Adam 1e-3, batch 256; then weighted kNN beside the
 * raw-pixel and untrained-encoder baselines, and a report) is `contrastive demo` of @contrastive/cli,
 * which trains it through the same run as `contrastive train`; this example runs it, writing to
 * `output/` here unless `--out` says otherwise.
 *
 *   pnpm demo [--epochs 2] [--batch-size 256] [--backend auto|wasm|cpu|tensorflow] [--seed 0] [--out DIR] [--smoke] [--json]
 */
import { fileURLToPath } from "node:url";
import { runCli } from "@contrastive/cli";

const output = fileURLToPath(new URL("../output", import.meta.url));
process.exitCode = await runCli(["demo", "--out", output, ...process.argv.slice(2).filter((arg) => arg !== "--")]);
