import type { MetricsLine } from "../metrics-log.js";
import type { TrainSettings } from "../settings.js";
import { PALETTE, type Series, lineChart, scatterChart } from "./svg-charts.js";

/** The figures of a report page (see {@link renderReport}). */
export interface ReportContent {
  title: string;
  settings: TrainSettings;
  metrics: MetricsLine[];
  classNames: readonly string[];
  evaluatedOn?: string;
  map?: { points: Float64Array; labels: Int32Array; explained: [number, number] };
  neighbours?: Array<{ image: string; label: number; matches: Array<{ image: string; label: number; similarity: number }> }>;
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:1080px;margin:0 auto;padding:24px}h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 10px}
.sub{color:#5b6475;margin:0 0 18px}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:10px;margin-bottom:18px}
.card{background:#fff;border-radius:8px;padding:10px 14px;box-shadow:0 1px 2px #0001}.card b{display:block;font-size:20px}.card span{color:#5b6475;font-size:12px}
.panel{background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 2px #0001;margin-bottom:18px}.row{display:grid;grid-template-columns:1fr 1fr;gap:18px}
svg.chart{width:100%;height:auto;display:block}.title{font-weight:600;font-size:13px}.tick,.legend,.label{font-size:11px;fill:#5b6475}.legend{fill:#1d2330}
.grid{stroke:#e6e8ec}.axis{stroke:#9aa1ad}.empty{fill:#9aa1ad}.note{color:#5b6475;font-size:12px;margin:8px 0 0}
table.nn{border-collapse:collapse}table.nn td{padding:3px;text-align:center;font-size:11px;color:#5b6475;vertical-align:top}
table.nn img{width:56px;height:56px;image-rendering:pixelated;border:3px solid transparent;border-radius:4px;display:block}
img.query{border-color:#1d2330!important}img.same{border-color:#2a9d4b!important}img.other{border-color:#d1495b!important}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0;font-size:12px}dt{color:#5b6475}dd{margin:0;font-family:ui-monospace,monospace}`;

/** The report page as one HTML string: inline CSS and SVG, thumbnails as data URIs, no script, no network. */
export function renderReport(content: ReportContent): string {
  const { settings, metrics, classNames } = content;
  const steps = metrics.filter((m) => m.type === "step");
  const epochs = metrics.filter((m) => m.type === "epoch");
  const baselines = metrics.filter((m) => m.type === "baseline");
  const x = (m: (typeof steps)[number]) => m.globalStep + 1;
  const loss = lineChart({ title: "Training loss", xLabel: "step", yLabel: "loss", integerX: true, series: [{ name: `loss (${settings.loss})`, color: PALETTE[0] as string, points: steps.map((m) => [x(m), m.loss]) }] });
  const rate = lineChart({ title: "Learning rate", xLabel: "step", yLabel: "learning rate", integerX: true, series: [{ name: "learning rate", color: PALETTE[3] as string, points: steps.map((m) => [x(m), m.learningRate]) }] });
  const knnSeries: Series[] = [
    // the curve starts at epoch 0 from the untrained encoder's figure (the same weights before training)
    { name: "trained encoder", color: PALETTE[0] as string, points: [...baselines.filter((b) => b.name === "untrained encoder").map((b): [number, number] => [0, b.knnAccuracy]), ...epochs.filter((e) => e.knnAccuracy !== undefined).map((e): [number, number] => [e.epoch + 1, e.knnAccuracy as number])] },
    ...baselines.map((b, i): Series => ({ name: b.name, color: PALETTE[i + 1] as string, dashed: true, points: [[0, b.knnAccuracy]] })),
  ];
  const knn = lineChart({ title: "Weighted kNN accuracy per epoch", xLabel: "epoch (0: before training)", yLabel: "accuracy", series: knnSeries, yRange: [0, 1], integerX: true });
  const last = epochs.at(-1);
  const seconds = epochs.reduce((s, e) => s + e.seconds, 0);
  const images = epochs.reduce((s, e) => s + e.imagesPerSecond * e.seconds, 0);
  const cards = [
    ["kNN accuracy", last?.knnAccuracy !== undefined ? last.knnAccuracy.toFixed(3) : "–"],
    ...baselines.map((b) => [`kNN, ${b.name}`, b.knnAccuracy.toFixed(3)]),
    ["final loss", last ? last.meanLoss.toFixed(4) : "–"],
    ["epochs", String(epochs.length)],
    ["images / s", seconds > 0 ? (images / seconds).toFixed(1) : "–"],
    ["training time", `${seconds.toFixed(1)} s`],
  ].map(([label, value]) => `<div class="card"><b>${escape(value as string)}</b><span>${escape(label as string)}</span></div>`);
  const map = content.map
    ? scatterChart({ title: `Embeddings of the evaluation images, PCA (${(content.map.explained[0] * 100).toFixed(0)}% + ${(content.map.explained[1] * 100).toFixed(0)}% of variance)`, points: content.map.points, labels: content.map.labels, classNames })
    : `<p class="note">No labelled evaluation set: give --test DIR or class sub-folders to see the map.</p>`;
  const name = (label: number) => escape(classNames[label] ?? String(label));
  const grid = content.neighbours
    ? `<table class="nn"><tr><td>query</td>${content.neighbours[0]!.matches.map((_, j) => `<td>${j + 1}</td>`).join("")}</tr>${content.neighbours
        .map((row) => `<tr><td><img class="query" src="${row.image}" alt="${name(row.label)}">${name(row.label)}</td>${row.matches.map((m) => `<td><img class="${m.label === row.label ? "same" : "other"}" src="${m.image}" alt="${name(m.label)}">${name(m.label)} ${m.similarity.toFixed(3)}</td>`).join("")}</tr>`)
        .join("")}</table><p class="note">Nearest training images by cosine similarity of the encoder's features; green: same class as the query, red: another class.</p>`
    : "";
  const settingsList = Object.entries(settings).map(([key, value]) => `<dt>${escape(key)}</dt><dd>${escape(String(value))}</dd>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(content.title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${escape(content.title)}</h1>
<p class="sub">${escape(`${settings.backbone} + ${settings.head} head, ${settings.loss}${["ntxent", "dcl", "supcon"].includes(settings.loss) ? ` τ ${settings.temperature}` : ""}, ${settings.imageSize}×${settings.imageSize}×${settings.channels}, batch ${settings.batchSize}, learning rate ${settings.learningRate}, seed ${settings.seed}`)}${content.evaluatedOn ? ` · kNN (k 20, cosine, τ 0.1) on ${escape(content.evaluatedOn)}` : ""}</p>
<div class="cards">${cards.join("")}</div>
<div class="row"><section class="panel">${loss}</section><section class="panel">${rate}</section></div>
${content.map || baselines.length > 0 ? `<div class="row"><section class="panel">${knn}<p class="note">Dashed: the baselines before training: raw pixels, and the same encoder with random weights.</p></section><section class="panel">${map}</section></div>` : `<section class="panel"><p class="note">No labels: the kNN curve, the map of the embeddings and the nearest neighbours need class sub-folders in --data (DIR/&lt;class&gt;/&lt;image&gt;) or a labelled --test DIR.</p></section>`}
${grid ? `<section class="panel"><h2>Queries and their nearest neighbours</h2>${grid}</section>` : ""}
<section class="panel"><h2>Configuration</h2><dl>${settingsList}</dl></section>
</main></body></html>
`;
}
