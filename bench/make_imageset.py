#!/usr/bin/python3
"""Make an imagenette-like set of real photographs for the loader benchmark.

Source photos: the photographs shipped by Debian's `mate-backgrounds` package
(/usr/share/backgrounds/mate/nature/*.jpg -- 12 camera photos, 1280x1024 up to
2560x1920).  The other files of that package (abstract/, desktop/) are mostly
flat synthetic graphics (gradients, stripes, logos) and would make JPEGs that
decode unrealistically fast, so they are not used by default.

Each output image is a random crop of one source photo:
  * output shorter side s   ~ uniform integer in [320, 500]
  * aspect ratio w/h        ~ log-uniform in [0.75, 1.333]
  * crop scale k            ~ log-uniform in [1, kmax] (crop = k * output size,
                              kmax = largest scale that fits the photo), so the
                              set mixes pixel-level detail crops and
                              downscaled wide views
  * crop position           ~ uniform over the photo
resized with PIL (LANCZOS) and saved as JPEG quality 90 (PIL defaults otherwise:
baseline, 4:2:0 chroma subsampling), names img_00000.jpg, img_00001.jpg, ...

Everything is drawn from random.Random(seed), so the same seed + same sources
+ same Pillow version gives byte-identical files.

Usage: /usr/bin/python3 make_imageset.py OUTDIR [--count N] [--seed S]
"""
import argparse
import glob
import math
import os
import random
import sys

from PIL import Image

DEFAULT_SOURCES = "/usr/share/backgrounds/mate/nature/*.jpg"


def image_name(i):
    return "img_%05d.jpg" % i


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--sources", default=DEFAULT_SOURCES,
                    help="glob of source photos (default: %(default)s)")
    ap.add_argument("--min-side", type=int, default=320)
    ap.add_argument("--max-side", type=int, default=500)
    ap.add_argument("--quality", type=int, default=90)
    args = ap.parse_args()

    os.makedirs(args.outdir, exist_ok=True)
    names = [image_name(i) for i in range(args.count)]
    paths = [os.path.join(args.outdir, n) for n in names]

    if all(os.path.isfile(p) for p in paths):
        print("%s already holds the %d images, nothing to do" % (args.outdir, args.count))
    else:
        srcs = sorted(glob.glob(args.sources))
        if not srcs:
            sys.exit("no source photos match %s (apt-get install mate-backgrounds)" % args.sources)
        print("decoding %d source photos from %s" % (len(srcs), args.sources))
        photos = [Image.open(p).convert("RGB") for p in srcs]
        for im in photos:
            im.load()

        rng = random.Random(args.seed)
        lo_ar, hi_ar = math.log(0.75), math.log(4.0 / 3.0)
        for i, path in enumerate(paths):
            # draw all random numbers even when the file exists, so a partial
            # set is completed with exactly the same images
            src = photos[rng.randrange(len(photos))]
            s = rng.randint(args.min_side, args.max_side)
            ar = math.exp(rng.uniform(lo_ar, hi_ar))          # w / h
            if ar >= 1.0:
                w, h = int(round(s * ar)), s
            else:
                w, h = s, int(round(s / ar))
            sw, sh = src.size
            kmax = min(sw / w, sh / h)
            k = math.exp(rng.uniform(0.0, math.log(kmax))) if kmax > 1.0 else kmax
            cw, ch = min(sw, w * k), min(sh, h * k)
            x0 = rng.uniform(0.0, sw - cw)
            y0 = rng.uniform(0.0, sh - ch)
            if os.path.isfile(path):
                continue
            out = src.resize((w, h), Image.LANCZOS, box=(x0, y0, x0 + cw, y0 + ch))
            tmp = path + ".tmp"
            out.save(tmp, format="JPEG", quality=args.quality)
            os.replace(tmp, path)
            if (i + 1) % 200 == 0:
                print("  %d/%d" % (i + 1, args.count))

    total = sum(os.path.getsize(p) for p in paths)
    print("%d images in %s, %d bytes total (%.1f MB, mean %.1f KB/image)"
          % (len(paths), args.outdir, total, total / 1e6, total / 1e3 / len(paths)))


if __name__ == "__main__":
    main()
