/**
 * `pnpm --filter @contrastive/example-browser start [-- --port N] [--smoke]`: builds the page and serves it on
 * localhost until Ctrl-C. `--smoke` builds, serves, checks that the page and its digits load, and stops.
 */
import { buildPage } from "./build.js";
import { servePage } from "./serve.js";

const args = process.argv.slice(2).filter((a) => a !== "--");
if (args.includes("--help")) {
  console.log("usage: pnpm --filter @contrastive/example-browser start [-- --smoke]\n\nBuilds the page that trains SimCLR on the MNIST digits in the browser and serves it on\nhttp://127.0.0.1:8080/ (PORT=… picks another port) until Ctrl-C. --smoke: build, serve, load the page once, stop.");
  process.exit(0);
}
const unknown = args.find((a) => a !== "--smoke");
if (unknown !== undefined) {
  process.stderr.write(`example-browser: unknown flag ${unknown}; expected --smoke or --help\n`);
  process.exit(2);
}
const smoke = args.includes("--smoke");
const folder = await buildPage();
const server = await servePage(folder, smoke ? 0 : Number(process.env.PORT ?? 8080));
if (smoke) {
  const page = await fetch(server.url);
  const digits = await fetch(new URL("digits.bin", server.url));
  const ok = page.ok && digits.ok && (await page.text()).includes("<script") && (await digits.arrayBuffer()).byteLength > 0;
  console.log(`SimCLR on MNIST in the browser: built and served at ${server.url}; the page and its digits load: ${ok}`);
  await server.close();
  process.exit(ok ? 0 : 1);
}
console.log(`SimCLR on MNIST in the browser: open ${server.url} (Ctrl-C stops the server)`);
