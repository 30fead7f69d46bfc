/** A named series of (x, y) points for {@link lineChart}. */
export interface Series {
  name: string;
  points: Array<[number, number]>;
  color: string;
  /** Dashed horizontal reference line (a baseline) instead of a curve. */
  dashed?: boolean;
}

const escape = (text: string) => text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
/** Round tick values (1, 2 or 5 × 10^k apart) covering [low, high]; integers when `integer`. */
export function niceTicks(low: number, high: number, count = 5, integer = false): number[] {
  if (!(high > low)) return [low];
  const raw = (high - low) / Math.max(1, count - 1);
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let v = Math.ceil(low / step - 1e-9) * step; v <= high + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

const tick = (v: number, step: number) => {
  const decimals = Math.max(0, -Math.floor(Math.log10(step || 1)));
  return Math.abs(v) >= 1e-4 || v === 0 ? v.toFixed(Math.min(decimals, 8)) : v.toExponential(1);
};

/**
 * An inline SVG line chart with axes, ticks, a legend and one `<path>` per series (a dot per point
 * when a series has few points). The y range comes from the data unless `yRange` is given.
 */
export function lineChart(options: { title: string; xLabel: string; yLabel: string; series: Series[]; yRange?: [number, number]; integerX?: boolean; width?: number; height?: number }): string {
  const { title, xLabel, yLabel, series, width = 460, height = 260 } = options;
  const margin = { left: 62, right: 16, top: 48, bottom: 40 };
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img"><text x="${width / 2}" y="${height / 2}" text-anchor="middle" class="empty">${escape(title)}: no data</text></svg>`;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = options.yRange ?? [Math.min(...ys), Math.max(...ys)];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 === y1) [y0, y1] = [y0 - Math.abs(y0 || 1) * 0.1, y1 + Math.abs(y1 || 1) * 0.1];
  const pad = (y1 - y0) * 0.05;
  if (!options.yRange) [y0, y1] = [y0 - pad, y1 + pad];
  const yTicks = niceTicks(y0, y1, 6);
  const yStep = (yTicks[1] ?? yTicks[0]! * 2) - yTicks[0]!;
  margin.left = Math.max(margin.left, 30 + 6.5 * Math.max(...yTicks.map((v) => tick(v, yStep).length))); // room for the tick labels and the axis title
  const px = (x: number) => margin.left + ((x - x0) / (x1 - x0)) * (width - margin.left - margin.right);
  const py = (y: number) => height - margin.bottom - ((y - y0) / (y1 - y0)) * (height - margin.top - margin.bottom);
  const xTicks = niceTicks(x0, x1, 6, options.integerX);
  const xStep = (xTicks[1] ?? xTicks[0]! * 2) - xTicks[0]!;
  const grid = yTicks.map((v) => `<line class="grid" x1="${margin.left}" x2="${width - margin.right}" y1="${py(v).toFixed(1)}" y2="${py(v).toFixed(1)}"/><text class="tick" x="${margin.left - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end">${tick(v, yStep)}</text>`);
  const xLabels = xTicks.map((v) => `<text class="tick" x="${px(v).toFixed(1)}" y="${height - margin.bottom + 16}" text-anchor="middle">${tick(v, xStep)}</text>`);
  const curves = series.map((s) => {
    const points = s.dashed && s.points.length === 1 ? [[x0, s.points[0]![1]], [x1, s.points[0]![1]]] : s.points;
    const d = points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${px(x as number).toFixed(1)},${py(y as number).toFixed(1)}`).join("");
    const dots = !s.dashed && s.points.length <= 30 ? s.points.map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"/>`).join("") : "";
    return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/>${dots}`;
  });
  let legendX = margin.left;
  const legend = series.map((s) => `<g transform="translate(${(legendX += s.name.length * 6 + 40) - s.name.length * 6 - 40},36)"><line x1="0" x2="18" y1="0" y2="0" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ""}/><text class="legend" x="24" y="4">${escape(s.name)}</text></g>`);
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(title)}">
<text class="title" x="${margin.left}" y="18">${escape(title)}</text>${grid.join("")}${xLabels.join("")}
<line class="axis" x1="${margin.left}" x2="${width - margin.right}" y1="${height - margin.bottom}" y2="${height - margin.bottom}"/><line class="axis" x1="${margin.left}" x2="${margin.left}" y1="${margin.top}" y2="${height - margin.bottom}"/>
<text class="label" x="${(margin.left + width - margin.right) / 2}" y="${height - 6}" text-anchor="middle">${escape(xLabel)}</text><text class="label" transform="translate(12,${(margin.top + height - margin.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>
${curves.join("\n")}${legend.join("")}</svg>`;
}

/** A categorical palette (Okabe–Ito, then Tableau) for class colours. */
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#8c564b", "#7f7f7f", "#bcbd22", "#17becf"];

/** An inline SVG scatter plot of 2-D points coloured by class, with a legend of class names. */
export function scatterChart(options: { title: string; points: Float64Array; labels: ArrayLike<number>; classNames: readonly string[]; width?: number; height?: number }): string {
  const { title, points, labels, classNames, width = 560, height = 420 } = options;
  const n = points.length / 2;
  const margin = 24;
  const legendWidth = 120;
  const xs = Array.from({ length: n }, (_, i) => points[2 * i] as number);
  const ys = Array.from({ length: n }, (_, i) => points[2 * i + 1] as number);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const px = (x: number) => margin + ((x - x0) / (x1 - x0 || 1)) * (width - legendWidth - 2 * margin);
  const py = (y: number) => height - margin - ((y - y0) / (y1 - y0 || 1)) * (height - 2 * margin - 12);
  const colour = (label: number) => (label < 0 ? "#555" : (PALETTE[label % PALETTE.length] as string));
  const dots = xs.map((x, i) => `<circle class="point" cx="${px(x).toFixed(1)}" cy="${py(ys[i] as number).toFixed(1)}" r="2.6" fill="${colour(labels[i] as number)}" fill-opacity="0.75"><title>${escape(classNames[labels[i] as number] ?? "unlabelled")}</title></circle>`);
  const legend = classNames.map((name, c) => `<g transform="translate(${width - legendWidth + 8},${margin + 8 + c * 17})"><circle r="5" fill="${colour(c)}"/><text class="legend" x="12" y="4">${escape(name)}</text></g>`);
  return `<svg class="chart scatter" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escape(title)}"><text class="title" x="${margin}" y="16">${escape(title)}</text>${dots.join("")}${legend.join("")}</svg>`;
}
