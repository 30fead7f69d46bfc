#!/usr/bin/python3
"""torchvision + PIL timings of the image view pipelines that packages/augment/bench/simclr-pipeline.bench.ts
times with sharp, on the same JPEG files.

    /usr/bin/python3 torch_augment.py FOLDER [--seconds 3] [--processes 2] [--configs simclr,light,pair] [--json out.json]

For each pipeline: images/s in 1 process, then in --processes processes (multiprocessing.Pool, each
with torch.set_num_threads(1)), each running for --seconds after 20 images of warm-up. The last line
printed is one JSON object: {"torchvision": version, "processes": P, "<config>": [one, P processes]}.
  simclr: RandomResizedCrop(224, 0.08-1), flip, ColorJitter(0.8, 0.8, 0.8, 0.2) p 0.8, grey p 0.2, blur 23 p 0.5
  light : RandomResizedCrop(224, 0.08-1), flip, ColorJitter(brightness 0.8, saturation 0.8)
  pair  : two SimCLR views of each decoded image
Every view ends as a float32 CHW tensor (ToTensor), as the sharp side ends as a float32 HWC array.
"""
import argparse
import glob
import json
import time
from multiprocessing import Pool

import torch
import torchvision
from PIL import Image
from torchvision import transforms as T

SIMCLR = T.Compose([
    T.RandomResizedCrop(224, scale=(0.08, 1.0)), T.RandomHorizontalFlip(),
    T.RandomApply([T.ColorJitter(0.8, 0.8, 0.8, 0.2)], p=0.8), T.RandomGrayscale(0.2),
    T.RandomApply([T.GaussianBlur(23, sigma=(0.1, 2.0))], p=0.5), T.ToTensor()])
LIGHT = T.Compose([T.RandomResizedCrop(224, scale=(0.08, 1.0)), T.RandomHorizontalFlip(),
                   T.ColorJitter(brightness=0.8, saturation=0.8), T.ToTensor()])
VIEWS = {"simclr": SIMCLR, "light": LIGHT, "pair": lambda im: (SIMCLR(im), SIMCLR(im))}


def rate(job):
    """Images per second of one pipeline in this process: (config, files, seconds) → float."""
    config, files, seconds = job
    torch.set_num_threads(1)
    view = VIEWS[config]
    for f in files[:20]:
        view(Image.open(f).convert("RGB"))
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        view(Image.open(files[done % len(files)]).convert("RGB"))
        done += 1
    return done / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", help="a folder of .jpg files")
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--processes", type=int, default=2)
    p.add_argument("--configs", default="simclr,light,pair")
    p.add_argument("--json", help="also write the result here")
    a = p.parse_args()
    files = sorted(glob.glob(a.folder + "/*.jpg"))
    if not files:
        raise SystemExit(f"torch_augment.py: no .jpg files in {a.folder}")
    out = {"torchvision": torchvision.__version__, "processes": a.processes}
    with Pool(a.processes) as pool:
        for config in a.configs.split(","):
            one = rate((config, files, a.seconds))
            many = sum(pool.map(rate, [(config, files, a.seconds)] * a.processes))
            out[config] = [one, many]
            print(f"[torchvision] {config}: {one:.1f} img/s in 1 process, {many:.1f} img/s in {a.processes}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
