/** `pnpm --filter @contrastive/example-browser start`: builds the page and serves it on localhost. */
import { buildPage } from "./build.js";
import { servePage } from "./serve.js";

const folder = await buildPage();
const { url } = await servePage(folder, Number(process.env.PORT ?? 8080));
console.log(`SimCLR on MNIST in the browser: open ${url} (Ctrl-C stops the server)`);
