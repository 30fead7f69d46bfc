/** Names of weights files a {@link fileSystemHandler} writes: `weights.bin`, or `weights-<16 hex>.bin` beside it. */
const OURS = /^weights(?:-[0-9a-f]{16})?\.bin$/;
const TEMPORARY = /\.tmp-(\d+)-[0-9a-z]+-[0-9a-z]+$/;

/**
 * The weights file name for a save into `directory`: `weights.bin` unless the model.json already there
 * references it, else `weights-<first 16 hex of the SHA-256>.bin`. Overwriting a model therefore never
 * replaces a file the current model.json names: the new weights land under another name, model.json is
 * replaced by one atomic rename (the commit), and only then is the old weights file removed, so a kill at
 * any instant leaves a model.json whose weights are complete.
 */
export async function nextWeightsName(directory: string, sha256: string, fallback: string): Promise<string> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  let referenced: string[] = [];
  try {
    const current = JSON.parse(await fs.readFile(join(directory, "model.json"), "utf8")) as { weightsManifest?: Array<{ paths?: string[] }> };
    referenced = (current.weightsManifest ?? []).flatMap((group) => (group.paths ?? []).map((p) => p.replace(/^\.\//, "")));
  } catch {
    // no model.json yet (or unreadable): the plain name is free
  }
  return referenced.includes(fallback) ? `weights-${sha256.slice(0, 16)}.bin` : fallback;
}

/** After the commit: removes our weights files other than `keep`, and temporary files of saves whose process is gone. */
export async function removeSuperseded(directory: string, keep: string): Promise<void> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  for (const name of await fs.readdir(directory).catch(() => [] as string[])) {
    const temporary = TEMPORARY.exec(name);
    const stale = temporary !== null && Number(temporary[1]) !== process.pid && !alive(Number(temporary[1]));
    if ((OURS.test(name) && name !== keep) || stale) await fs.rm(join(directory, name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}
