/** Drives Debian's Chromium headless over the DevTools protocol (playwright-core), for the tests and measurements. */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** The Chromium binary: `CHROMIUM_PATH`, or Debian's `/usr/bin/chromium`. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(chromiumPath) ? undefined : `no Chromium at ${chromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
}

/** Headless Chromium with WebGL2 and WebGPU through SwiftShader when there is no GPU. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ["--no-sandbox", "--enable-unsafe-swiftshader", "--enable-unsafe-webgpu", "--ignore-gpu-blocklist"],
  });
}

/** What a page run left: its `#result` JSON and state, and the console's errors and warnings. */
export interface PageRun {
  state: string;
  result: Record<string, unknown>;
  errors: string[];
  warnings: string[];
  screenshot?: Buffer;
}

/** Opens `url`, waits until `#result` has a `data-state`, and returns what the page reported. */
export async function runPage(browser: Browser, url: string, options: { timeoutMs: number; screenshot?: boolean }): Promise<PageRun> {
  const page = await browser.newPage({ viewport: { width: 760, height: 820 } });
  const errors: string[] = [];
  const warnings: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
    if (message.type() === "warning") warnings.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  try {
    await page.goto(url);
    const handle = await page.waitForSelector("#result[data-state]", { state: "attached", timeout: options.timeoutMs });
    const state = (await handle.getAttribute("data-state")) ?? "";
    const result = JSON.parse((await handle.textContent()) ?? "{}") as Record<string, unknown>;
    const screenshot = options.screenshot ? await page.screenshot({ fullPage: true }) : undefined;
    return { state, result, errors, warnings, ...(screenshot ? { screenshot } : {}) };
  } finally {
    await page.close();
  }
}
