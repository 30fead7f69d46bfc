import { describe, expect, it } from "vitest";
import { resolveSettings } from "./resolve-settings.js";
import { DEFAULT_SETTINGS } from "./settings.js";
import { UsageError } from "./usage-error.js";

describe("resolveSettings", () => {
  it("takes the defaults, then the config file, then the flags", () => {
    const settings = resolveSettings({ data: "a", out: "b", epochs: 7, temperature: 0.2, backbone: "resnet18" }, { epochs: "3", data: "c" }, "run.json");
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, data: "c", out: "b", epochs: 3, temperature: 0.2, backbone: "resnet18" });
  });

  it("names the flag, or the key of the config file, that holds a bad value", () => {
    expect(() => resolveSettings({ data: "a", out: "b", channels: 2 }, {}, "run.json")).toThrow(new UsageError("channels in run.json must be one of 1, 3; got '2'"));
    expect(() => resolveSettings({ data: "a", out: "b" }, { batchSize: "1" })).toThrow(new UsageError("--batch-size must be an integer ≥ 2; got '1'"));
    expect(() => resolveSettings({ data: "a", out: "b" }, { imageSize: "12.5" })).toThrow(new UsageError("--image-size must be an integer ≥ 8 and ≤ 1024; got '12.5'"));
    expect(() => resolveSettings({ data: "a", out: "b" }, { temperature: "0" })).toThrow(new UsageError("--temperature must be a number > 0; got '0'"));
    expect(() => resolveSettings({ out: "b" }, {})).toThrow(/^--data is required/);
    expect(() => resolveSettings({ data: "a", out: "b" }, { workers: "0" })).toThrow(new UsageError("--workers must be an integer ≥ 1; got '0'"));
  });

  it("takes --workers as a count or 'auto' (default 1: this thread)", () => {
    expect(resolveSettings({ data: "a", out: "b" }, {}).workers).toBe(1);
    expect(resolveSettings({ data: "a", out: "b" }, { workers: "3" }).workers).toBe(3);
    expect(resolveSettings({ data: "a", out: "b", workers: "auto" }, {}, "run.json").workers).toBe("auto");
  });
});
