/** A live loss curve in SVG: the loss per step, its running mean, and NT-Xent's chance level ln(2N − 1). */
const svgNs = "http://www.w3.org/2000/svg";
const size = { width: 640, height: 300, left: 52, right: 16, top: 16, bottom: 36 };

function element<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Draws into `svg` the losses of a run of `steps` steps; `chance` is the loss of uninformative embeddings. */
export function lossChart(svg: SVGSVGElement, steps: number, chance: number) {
  const losses: number[] = [];
  svg.setAttribute("viewBox", `0 0 ${size.width} ${size.height}`);
  const plotWidth = size.width - size.left - size.right;
  const plotHeight = size.height - size.top - size.bottom;

  function draw() {
    svg.replaceChildren();
    const top = Math.max(chance, ...losses) * 1.05;
    const bottom = Math.min(chance, ...losses) * 0.95;
    const x = (step: number) => size.left + (plotWidth * (step - 1)) / Math.max(1, steps - 1);
    const y = (loss: number) => size.top + (plotHeight * (top - loss)) / Math.max(1e-9, top - bottom);
    svg.append(element("rect", { x: size.left, y: size.top, width: plotWidth, height: plotHeight, fill: "#fafafa", stroke: "#999" }));
    for (let i = 0; i <= 4; i++) {
      const value = bottom + ((top - bottom) * i) / 4;
      svg.append(element("line", { x1: size.left, x2: size.left + plotWidth, y1: y(value), y2: y(value), stroke: "#e4e4e4" }));
      svg.append(element("text", { x: size.left - 6, y: y(value) + 4, "text-anchor": "end", "font-size": 11 }, value.toFixed(2)));
    }
    for (const step of [1, Math.round(steps / 2), steps]) {
      svg.append(element("text", { x: x(step), y: size.top + plotHeight + 16, "text-anchor": "middle", "font-size": 11 }, String(step)));
    }
    svg.append(element("text", { x: size.left + plotWidth / 2, y: size.height - 4, "text-anchor": "middle", "font-size": 12 }, "step"));
    svg.append(element("line", { x1: size.left, x2: size.left + plotWidth, y1: y(chance), y2: y(chance), stroke: "#c33", "stroke-dasharray": "5 4" }));
    svg.append(element("text", { x: size.left + plotWidth - 4, y: y(chance) - 5, "text-anchor": "end", "font-size": 11, fill: "#c33" }, `chance ln(2N−1) = ${chance.toFixed(2)}`));
    const points = (values: number[]) => values.map((v, i) => `${x(i + 1).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.append(element("polyline", { points: points(losses), fill: "none", stroke: "#8ab", "stroke-width": 1 }));
    const window = 10;
    const mean = losses.map((_, i) => {
      const from = Math.max(0, i - window + 1);
      return losses.slice(from, i + 1).reduce((a, b) => a + b, 0) / (i + 1 - from);
    });
    svg.append(element("polyline", { points: points(mean), fill: "none", stroke: "#14c", "stroke-width": 2 }));
    svg.append(element("text", { x: size.left + 8, y: size.top + 16, "font-size": 12, fill: "#14c" }, `loss (mean of the last ${window} steps)`));
  }

  draw();
  return {
    add(loss: number) {
      losses.push(loss);
      draw();
    },
  };
}
