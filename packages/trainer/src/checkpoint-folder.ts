import { ContrastiveError } from "@contrastive/core";
import { fileSystemFault as fault, withFileSystemFaults as attempt, writeFileDurably } from "@contrastive/core/node";

/** The name of the pointer file and of the folders it may name. */
export const LATEST = "latest";
const PUBLISHED = /^epoch-(\d{4,})(?:-r(\d+))?$/;
const PRIVATE = /^\.(?:epoch-\d{4,}(?:-r\d+)?|latest|lock)\.(?:tmp|trash)-(\d+)-[0-9a-z]+$/;
export const folderOf = (epoch: number) => `epoch-${String(epoch).padStart(4, "0")}`;
export const uniqueSuffix = () => `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

const alive = (pid: number) => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
};

/**
 * Runs `action` holding `directory/.lock` (a file created exclusively, holding the pid). A lock whose
 * process is dead (a killed saver) is taken over. Serialises publishing and rotation among savers.
 */
export async function withLock<T>(directory: string, action: () => Promise<T>): Promise<T> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  const lock = join(directory, ".lock");
  const started = Date.now();
  for (;;) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== "EEXIST") throw fault("saveCheckpoint", "lock", lock, error);
      const holder = Number.parseInt(await fs.readFile(lock, "utf8").catch(() => ""), 10);
      const known = Number.isInteger(holder) && holder > 0;
      // a lock without a pid is one whose writer was killed between creating and writing it, once it is a few seconds old
      const orphan = !known && Date.now() - ((await fs.stat(lock).catch(() => undefined))?.mtimeMs ?? Date.now()) > 5_000;
      if ((known && !alive(holder)) || orphan) {
        // take over a dead saver's lock: rename is atomic, so only one taker wins
        const trash = join(directory, `.lock.trash-${uniqueSuffix()}`);
        if (await fs.rename(lock, trash).then(() => true, () => false)) await fs.rm(trash, { force: true });
        continue;
      }
      if (Date.now() - started > 60_000) throw fault("saveCheckpoint", "lock", lock, new Error(`held by process ${holder} for over 60 s`));
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 10));
    }
  }
  try {
    return await action();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/** Removes what killed saves left behind: temporary and trash entries of processes that no longer run. */
export async function removeStale(directory: string): Promise<string[]> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  const removed: string[] = [];
  for (const name of await fs.readdir(directory)) {
    const match = PRIVATE.exec(name);
    if (match && !alive(Number(match[1]))) {
      await fs.rm(join(directory, name), { recursive: true, force: true });
      removed.push(name);
    }
  }
  return removed;
}

/**
 * Renames the complete folder `temporary` to `epoch-NNNN` (or `epoch-NNNN-rK` when that epoch was saved
 * before: a published folder is never modified), points `latest` at it by an atomic rename, then moves
 * superseded revisions and all but the newest `keep` epochs aside and deletes them. Call under {@link withLock}.
 */
export async function publish(directory: string, temporary: string, epoch: number, keep: number): Promise<string> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  const published = (await fs.readdir(directory)).map((name) => ({ name, match: PUBLISHED.exec(name) })).filter((e) => e.match);
  const revisions = published.filter((e) => Number(e.match![1]) === epoch).map((e) => Number(e.match![2] ?? 0));
  let revision = revisions.length === 0 ? 0 : Math.max(...revisions) + 1;
  let target = "";
  for (;;) {
    target = revision === 0 ? folderOf(epoch) : `${folderOf(epoch)}-r${revision}`;
    try {
      await fs.rename(temporary, join(directory, target));
      break;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== "EEXIST" && code !== "ENOTEMPTY") throw fault("saveCheckpoint", "rename", join(directory, target), error);
      revision++;
    }
  }
  const pointer = join(directory, `.${LATEST}.tmp-${uniqueSuffix()}`);
  try {
    await writeFileDurably("saveCheckpoint", pointer, target);
    await attempt("saveCheckpoint", "rename", join(directory, LATEST), () => fs.rename(pointer, join(directory, LATEST)));
  } finally {
    await fs.rm(pointer, { force: true });
  }
  await rotate(directory, target, keep);
  return join(directory, target);
}

async function rotate(directory: string, latest: string, keep: number): Promise<void> {
  const fs = await import("node:fs/promises");
  const { join } = await import("node:path");
  const entries = (await fs.readdir(directory))
    .map((name) => ({ name, match: PUBLISHED.exec(name) }))
    .filter((e) => e.match)
    .map((e) => ({ name: e.name, epoch: Number(e.match![1]), revision: Number(e.match![2] ?? 0) }))
    .sort((a, b) => b.epoch - a.epoch || b.revision - a.revision);
  const newestOfEpoch = entries.filter((e, i) => i === 0 || entries[i - 1]!.epoch !== e.epoch);
  const kept = new Set([latest, ...newestOfEpoch.slice(0, Math.max(1, keep)).map((e) => e.name)]);
  for (const { name } of entries.filter((e) => !kept.has(e.name))) {
    const trash = join(directory, `.${name}.trash-${uniqueSuffix()}`);
    try {
      await fs.rename(join(directory, name), trash);
    } catch {
      continue; // gone already
    }
    await fs.rm(trash, { recursive: true, force: true });
  }
}

/**
 * The folder `directory/latest` names, after checking that it is one of the names a saver writes
 * (`epoch-NNNN` or `epoch-NNNN-rK`) and that it resolves inside `directory` (unless `allowSymlinks`);
 * `directory` itself when there is no pointer (a checkpoint folder given directly).
 */
export async function resolveLatest(directory: string, allowSymlinks: boolean): Promise<string> {
  const fs = await import("node:fs/promises");
  const { join, relative, isAbsolute } = await import("node:path");
  const pointer = join(directory, LATEST);
  let name: string;
  try {
    name = (await fs.readFile(pointer, "utf8")).trim();
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return directory;
    throw fault("loadCheckpoint", "read", pointer, error);
  }
  if (!PUBLISHED.test(name)) {
    throw new ContrastiveError({ component: "loadCheckpoint", argument: pointer, received: JSON.stringify(name.slice(0, 200)), expected: "the name of a checkpoint folder beside it, as saveCheckpoint writes (epoch-NNNN or epoch-NNNN-rK)" });
  }
  const folder = join(directory, name);
  if (!allowSymlinks) {
    const [realDirectory, realFolder] = await Promise.all([fs.realpath(directory), fs.realpath(folder).catch(() => folder)]);
    const rel = relative(realDirectory, realFolder);
    if (rel.startsWith("..") || isAbsolute(rel)) {
      throw new ContrastiveError({ component: "loadCheckpoint", argument: folder, received: `a symlink to ${realFolder}, outside ${directory}`, expected: "a checkpoint folder inside the directory (or pass { allowSymlinks: true })" });
    }
  }
  return folder;
}
