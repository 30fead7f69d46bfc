import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "example-simclr-mnist", include: ["src/**/*.test.ts"], passWithNoTests: true },
});
