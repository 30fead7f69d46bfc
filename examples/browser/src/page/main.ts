/**
 * The page: loads the digits file, offers the backends this browser has (best first), trains SimCLR
 * with a live loss curve and shows the kNN accuracy. URL parameters preset the form and `run=1` starts
 * at once; `mode=gradient-check` instead runs one fixed step on every backend and reports the numbers.
 * Either way the outcome is written as JSON into `#result` (`data-state` done or error).
 */
import { decodeDigits, type DigitsFile } from "../digits-file.js";
import { type PageBackend, describeActiveBackend, pageBackends, probeBackend, useBackend } from "./backends.js";
import { gradientStep, type GradientReport } from "./gradient-check.js";
import { lossChart } from "./loss-chart.js";
import { runSimclr } from "./train-run.js";

const params = new URLSearchParams(location.search);
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => ($("status").textContent = text);

function publish(state: "done" | "error", value: unknown) {
  const result = $("result");
  result.textContent = JSON.stringify(value);
  result.dataset.state = state;
}

function fail(error: unknown) {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  $("status").className = "error";
  status(message);
  publish("error", { error: message });
  console.error(error);
}

async function loadDigits(): Promise<DigitsFile> {
  const response = await fetch("digits.bin");
  if (!response.ok) throw new Error(`digits.bin: HTTP ${response.status} (build the page first: pnpm --filter @contrastive/example-browser build)`);
  return decodeDigits(await response.arrayBuffer());
}

function row(name: string, value: string) {
  const tr = document.createElement("tr");
  tr.innerHTML = `<td></td><td class="value"></td>`;
  (tr.children[0] as HTMLElement).textContent = name;
  (tr.children[1] as HTMLElement).textContent = value;
  $("summary").append(tr);
}

async function gradientCheck(digits: DigitsFile) {
  ($("chart") as unknown as SVGSVGElement).style.display = "none";
  const reports: GradientReport[] = [];
  const unavailable: Record<string, string> = {};
  for (const backend of ["cpu", ...pageBackends] as PageBackend[]) {
    const probe = await probeBackend(backend);
    if (!probe.present) {
      unavailable[backend] = probe.reason;
      continue;
    }
    status(`gradient check on ${backend}`);
    await useBackend(backend);
    reports.push(await gradientStep(digits));
  }
  status(`gradient check: one step of a tiny model (ConvNet [4, 8], 8 digits) on ${reports.map((r) => r.backend).join(", ")}`);
  const cpu = reports[0] as GradientReport;
  const scale = Math.max(...cpu.gradients.flatMap((g) => g.values.map(Math.abs)));
  for (const report of reports) {
    const worst = Math.max(...report.gradients.flatMap((g, v) => g.values.map((value, i) => Math.abs(value - (cpu.gradients[v]?.values[i] as number)))));
    row(report.backend, `loss ${report.loss.toFixed(7)}, gradients within ${(worst / scale).toExponential(1)} of cpu's largest`);
  }
  for (const [backend, reason] of Object.entries(unavailable)) row(backend, `unavailable: ${reason}`);
  publish("done", { reports, unavailable });
}

async function train(digits: DigitsFile) {
  const backend = $<HTMLSelectElement>("backend").value as PageBackend;
  const steps = Number($<HTMLInputElement>("steps").value);
  const batchSize = Number($<HTMLInputElement>("batch").value);
  const filters = $<HTMLInputElement>("filters").value.split(",").map(Number);
  const settings = { steps, batchSize, filters, learningRate: 1e-3, temperature: 0.5, seed: 0, knnTrain: Number(params.get("knnTrain") ?? 3000), knnTest: Number(params.get("knnTest") ?? 1000) };
  $<HTMLButtonElement>("start").disabled = true;
  $("summary").replaceChildren();
  status(`starting ${backend}`);
  const selection = await useBackend(backend);
  const svg = $("chart") as unknown as SVGSVGElement;
  svg.style.display = "";
  const chart = lossChart(svg, steps, Math.log(2 * batchSize - 1));
  const result = await runSimclr(digits, settings, (step, loss) => {
    chart.add(loss);
    status(`${selection.backend}: step ${step}/${steps}, loss ${loss.toFixed(4)}`);
  }, status);
  status(`${selection.backend}: ${result.steps} steps of ${batchSize} digit pairs, ConvNet [${filters.join(", ")}]`);
  const details = describeActiveBackend();
  row("backend", `${selection.backend}: ${details}`);
  row("steps per second", `${result.stepsPerSecond.toFixed(2)} (${result.imagesPerSecond.toFixed(0)} images/s; first step ${result.firstStepSeconds.toFixed(1)} s)`);
  row("loss, first → last step", `${result.losses[0]?.toFixed(4)} → ${result.losses.at(-1)?.toFixed(4)}`);
  row(`kNN accuracy, SimCLR encoder (${settings.knnTrain} → ${settings.knnTest} digits)`, result.knnAccuracy.toFixed(4));
  row("kNN accuracy, untrained encoder", result.untrainedKnnAccuracy.toFixed(4));
  row("kNN accuracy, raw pixels", result.rawPixelKnnAccuracy.toFixed(4));
  $<HTMLButtonElement>("start").disabled = false;
  publish("done", { backend: selection.backend, details, batchSize, filters, ...result });
}

async function main() {
  const digits = await loadDigits();
  const select = $<HTMLSelectElement>("backend");
  for (const backend of pageBackends) {
    const probe = await probeBackend(backend);
    select.append(new Option(probe.present ? backend : `${backend} (unavailable: ${probe.reason})`, backend));
    (select.lastElementChild as HTMLOptionElement).disabled = !probe.present;
  }
  const best = [...select.options].find((o) => !o.disabled)?.value;
  select.value = params.get("backend") ?? best ?? "wasm";
  for (const name of ["steps", "batch", "filters"]) {
    const value = params.get(name);
    if (value !== null) $<HTMLInputElement>(name).value = value;
  }
  status(`${digits.train.labels.length} training and ${digits.test.labels.length} test digits loaded; pick a backend and train`);
  $("settings").addEventListener("submit", (event) => {
    event.preventDefault();
    train(digits).catch(fail);
  });
  if (params.get("mode") === "gradient-check") await gradientCheck(digits);
  else if (params.get("run") === "1") await train(digits);
}

main().catch(fail);
