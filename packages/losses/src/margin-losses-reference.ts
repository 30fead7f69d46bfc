/*
 * Plain-loop float64 references of the margin losses (tripletMargin, contrastiveMargin), for the tests:
 * no tensors, each written straight from pytorch-metric-learning's definitions (TripletMarginLoss and
 * ContrastiveLoss with LpDistance(normalize_embeddings=True), power 1, AvgNonZeroReducer / MeanReducer).
 * Views are flat row-major arrays `[rows, columns]`; row v·rows + r of the stack has label labels[r] (default r).
 */

export type Triplet = [number, number, number];

/** The stacked, L2-normalised rows (x / max(‖x‖, 1e-12)) and their labels. */
function stack(views: ArrayLike<number>[], rows: number, columns: number, labels?: ArrayLike<number>): { z: Float64Array[]; label: number[] } {
  const z: Float64Array[] = [];
  const label: number[] = [];
  for (const view of views) {
    for (let r = 0; r < rows; r++) {
      const row = Float64Array.from({ length: columns }, (_, c) => view[r * columns + c] as number);
      const norm = Math.max(Math.hypot(...row), 1e-12);
      z.push(row.map((value) => value / norm));
      label.push(labels === undefined ? r : (labels[r] as number));
    }
  }
  return { z, label };
}

function distance(u: Float64Array, v: Float64Array): number {
  let total = 0;
  for (let k = 0; k < u.length; k++) total += ((u[k] as number) - (v[k] as number)) ** 2;
  return Math.sqrt(total);
}

/** pml's AvgNonZeroReducer: the sum over the losses > 0 divided by their number, 0 when none. */
function meanNonZero(losses: number[]): number {
  const nonZero = losses.filter((loss) => loss > 0);
  return nonZero.length === 0 ? 0 : nonZero.reduce((a, b) => a + b, 0) / nonZero.length;
}

/**
 * TripletMarginLoss: relu(d_ap − d_an + margin) over `triplets` (default: every (a, p, n) with a ≠ p,
 * label p = label a, label n ≠ label a), reduced as 'meanNonZero', 'mean' or 'sum' (0 with no triplets).
 */
export function tripletMarginReference(
  views: ArrayLike<number>[], rows: number, columns: number, margin: number,
  reduction: "meanNonZero" | "mean" | "sum" = "meanNonZero", labels?: ArrayLike<number>, triplets?: Triplet[],
): number {
  const { z, label } = stack(views, rows, columns, labels);
  const chosen: Triplet[] = triplets ?? [];
  if (triplets === undefined) {
    for (let a = 0; a < z.length; a++)
      for (let p = 0; p < z.length; p++)
        for (let n = 0; n < z.length; n++) if (a !== p && label[a] === label[p] && label[a] !== label[n]) chosen.push([a, p, n]);
  }
  const losses = chosen.map(([a, p, n]) => Math.max(0, distance(z[a]!, z[p]!) - distance(z[a]!, z[n]!) + margin));
  if (losses.length === 0) return 0;
  const sum = losses.reduce((x, y) => x + y, 0);
  return reduction === "sum" ? sum : reduction === "mean" ? sum / losses.length : meanNonZero(losses);
}

/**
 * ContrastiveLoss: over the ordered pairs a ≠ b, relu(d − positiveMargin) for equal labels and
 * relu(negativeMargin − d) for different ones; the non-zero mean of each, added.
 */
export function contrastiveMarginReference(
  views: ArrayLike<number>[], rows: number, columns: number, positiveMargin: number, negativeMargin: number, labels?: ArrayLike<number>,
): number {
  const { z, label } = stack(views, rows, columns, labels);
  const positive: number[] = [];
  const negative: number[] = [];
  for (let a = 0; a < z.length; a++) {
    for (let b = 0; b < z.length; b++) {
      if (a === b) continue;
      const d = distance(z[a]!, z[b]!);
      if (label[a] === label[b]) positive.push(Math.max(0, d - positiveMargin));
      else negative.push(Math.max(0, negativeMargin - d));
    }
  }
  return meanNonZero(positive) + meanNonZero(negative);
}

/** What {@link torchMarginLosses} returns: float64 values and gradients per view of both losses in PyTorch. */
export interface TorchMarginLosses {
  triplet: { loss: number; grads: number[][] };
  contrastive: { loss: number; grads: number[][] };
}

// Both losses as pytorch-metric-learning defines them, written for torch (float64, autograd).
const TORCH_SCRIPT = `
import json, sys, torch
inp = json.load(sys.stdin)
V, N, D = len(inp["views"]), inp["rows"], inp["columns"]
labels = torch.tensor(inp["labels"] if inp["labels"] is not None else list(range(N))).repeat(V)
match = labels[:, None] == labels[None, :]
eye = torch.eye(V * N, dtype=torch.bool)
def avg_non_zero(losses):
    n = int((losses > 0).sum())
    return losses.sum() / n if n > 0 else losses.sum() * 0
def run(loss_of):
    xs = [torch.tensor(v, dtype=torch.float64).reshape(N, D).requires_grad_() for v in inp["views"]]
    z = torch.nn.functional.normalize(torch.cat(xs), dim=1)
    d = lambda i, j: (z[i] - z[j]).norm(dim=1)
    loss = loss_of(d)
    loss.backward()
    return {"loss": loss.item(), "grads": [x.grad.flatten().tolist() for x in xs]}
def triplet(d):
    a, p, n = torch.where((match & ~eye)[:, :, None] & ~match[:, None, :])
    return avg_non_zero(torch.relu(d(a, p) - d(a, n) + inp["margin"]))
def contrastive(d):
    a, p = torch.where(match & ~eye)
    b, n = torch.where(~match)
    return avg_non_zero(torch.relu(d(a, p) - inp["positiveMargin"])) + avg_non_zero(torch.relu(inp["negativeMargin"] - d(b, n)))
print(json.dumps({"triplet": run(triplet), "contrastive": run(contrastive)}))
`;

/**
 * Runs both losses in PyTorch (float64) with `/usr/bin/python3`, or returns why it cannot (no python,
 * no torch) so that the test can skip with that reason.
 */
export async function torchMarginLosses(input: {
  views: ArrayLike<number>[]; rows: number; columns: number; labels?: number[]; margin: number; positiveMargin: number; negativeMargin: number;
}): Promise<TorchMarginLosses | string> {
  const { spawnSync } = await import("node:child_process");
  const { existsSync } = await import("node:fs");
  const python = "/usr/bin/python3";
  if (!existsSync(python)) return `needs ${python} with torch`;
  const payload = JSON.stringify({ ...input, views: input.views.map((v) => Array.from(v)), labels: input.labels ?? null });
  const run = spawnSync(python, ["-c", TORCH_SCRIPT], { input: payload, encoding: "utf8", timeout: 120_000 });
  if (run.status !== 0) return /No module named 'torch'/.test(run.stderr) ? `${python} has no torch (apt-get install -y python3-torch)` : `torch failed: ${run.stderr || run.error}`;
  return JSON.parse(run.stdout) as TorchMarginLosses;
}
