import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { selectBackend } from "@contrastive/core";
import { writeDigitFolders } from "./digit-folders.js";
import { runBuiltCli } from "./testing/run-built-cli.js";

await selectBackend("cpu");
const root = mkdtempSync(join(tmpdir(), "contrastive-cli-errors-"));
const empty = join(root, "empty");
mkdirSync(empty);
const notImages = join(root, "not-images");
mkdirSync(join(notImages, "cats"), { recursive: true });
writeFileSync(join(notImages, "cats", "notes.txt"), "no image here");
const config = join(root, "bad.json");
writeFileSync(config, JSON.stringify({ epochs: 0 }));
const digits = join(root, "digits");
await writeDigitFolders(digits, { perClass: 2, classes: 10 });
const unknownKey = join(root, "unknown.json");
writeFileSync(unknownKey, JSON.stringify({ epoch: 3 }));

// [arguments, a fragment the one line must contain (the flag or path, and what is expected)]
const cases: Array<[string[], string[]]> = [
  [["train", "--data", root, "--out", join(root, "r"), "--bogus", "1"], ["unknown flag --bogus", "--help"]],
  [["train", "--data", join(root, "missing"), "--out", join(root, "r")], ["--data", join(root, "missing"), "no such folder"]],
  [["train", "--data", empty, "--out", join(root, "r")], ["--data", empty, "empty", ".jpg"]],
  [["train", "--data", notImages, "--out", join(root, "r")], ["--data", notImages, "no images"]],
  [["train", "--data", notImages, "--out", join(root, "r"), "--epochs", "two"], ["--epochs", "integer ≥ 1", "'two'"]],
  [["train", "--data", notImages, "--out", join(root, "r"), "--backbone", "vgg"], ["--backbone", "convnet, resnet18, resnet34, resnet50", "'vgg'"]],
  [["train", "--data", notImages, "--out", join(root, "r"), "--learning-rate=-1"], ["--learning-rate", "> 0", "'-1'"]],
  [["train", "--data", notImages, "--out", join(root, "r"), "--learning-rate", "-1"], ["--learning-rate needs a value", "--learning-rate=-1"]],
  [["train", "--data", notImages, "--out", join(root, "r"), "--epochs"], ["--epochs needs a value"]],
  [["train", "--data", notImages, "--out", join(root, "r"), "--json=yes"], ["--json takes no value"]],
  [["train", "--data", notImages, "--out", join(root, "r"), "--config", config], ["epochs in", config, "integer ≥ 1"]],
  [["train", "--data", notImages, "--out", join(root, "r"), "--config", unknownKey], ["--config", "unknown setting 'epoch'"]],
  [["train", "--out", join(root, "r")], ["--data is required"]],
  [["train", "--data", notImages, "--out", join(root, "r"), "--resume"], ["--resume", "config.json not found"]],
  [["train", "stray"], ["unexpected argument 'stray'"]],
  [["train", "--data", digits, "--out", join(root, "r2"), "--batch-size", "64"], ["--batch-size 64", "the 20 images of --data", "at most 20"]],
  [["train", "--data", join(digits, "3"), "--out", join(root, "r3"), "--loss", "supcon", "--batch-size", "2"], ["--loss supcon needs labels", "class sub-folders"]],
  [["embed", "--model", join(root, "nope"), "--data", notImages, "--out", join(root, "e.npy")], ["--model", "no encoder found"]],
  [["embed", "--model", root, "--data", notImages, "--out", join(root, "e.txt")], ["--out", ".npy, .jsonl or .csv"]],
  [["eval", "--model", root, "--train", empty], ["--test is required"]],
  [["demo", "--epochs", "0"], ["--epochs", "integer ≥ 1", "'0'"]],
  [["fit"], ["unknown command 'fit'", "train, embed, eval, demo"]],
  [["import", "--weights", join(root, "none.safetensors"), "--backbone", "resnet18", "--out", join(root, "i")], ["--weights", "no such file", ".safetensors"]],
  [["import", "--weights", config, "--backbone", "vgg16", "--out", join(root, "i")], ["--backbone", "resnet18, resnet34, resnet50", "'vgg16'"]],
  [["import", "--weights", config, "--backbone", "resnet18", "--out", join(root, "i")], [config]],
  [["export", "--model", empty, "--out", join(root, "x.safetensors")], ["--model", "no model.json"]],
];

describe("contrastive: usage errors", () => {
  it("gives one line on standard error naming the flag or path and what is expected, exit code 2, no stack trace", async () => {
    const results = await Promise.all(cases.map(([args]) => runBuiltCli(args)));
    results.forEach((result, i) => {
      const [args, fragments] = cases[i]!;
      const lines = result.stderr.trimEnd().split("\n");
      expect({ args, code: result.code, lines: lines.length }).toEqual({ args, code: 2, lines: 1 });
      expect(lines[0]).toMatch(/^contrastive( \w+)?: /);
      for (const fragment of fragments) expect(lines[0]).toContain(fragment);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.stdout).toBe("");
    });
  });

  it("prints each command's help with --help and exits 0", async () => {
    const commands = ["train", "embed", "eval", "demo", "import", "export"];
    const results = await Promise.all([...commands.map((c) => runBuiltCli([c, "--help"])), runBuiltCli(["--help"])]);
    results.slice(0, commands.length).forEach((result, i) => {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^usage: contrastive ${commands[i]} `));
      expect(result.stdout).toContain("--help");
    });
    for (const command of commands) expect(results[commands.length]!.stdout).toContain(`contrastive ${command}`);
  });
});
