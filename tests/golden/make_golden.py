#!/usr/bin/python3
"""Regenerate the golden outputs for the C loader's transform test.

  /usr/bin/python3 tests/golden/make_golden.py
      recompute imgN.ppm from the committed inputs img0..img3.jpg, img4.png
  /usr/bin/python3 tests/golden/make_golden.py --from-set /tmp/bt_images
      first re-copy the inputs: img0..img3.jpg from an image set made by
      `bench/make_imageset.sh /tmp/bt_images` (default count and seed), and
      img4.png from mate-backgrounds' LadyBird.jpg; then recompute the goldens

Golden = torchvision Resize(256) + CenterCrop(224) on the PIL image
(Image.open(p).convert('RGB')), torchvision default interpolation on PIL images
(PIL BILINEAR, which in PIL is always antialiased), written as binary PPM
(P6, 224x224, maxval 255): the pixel values *before* ToTensor/Normalize.

Needs Debian python3-torchvision, python3-pil, python3-numpy.  The script also
checks that the written goldens equal a from-scratch numpy implementation of
the resize written down in README.md (so the README's description is exact).
"""
import argparse
import os
import shutil
import sys

import numpy as np
from PIL import Image
from torchvision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))

# inputs picked from the default set (make_imageset.py, count 1000, seed 1234)
PICKS = {
    "img0.jpg": "img_00729.jpg",  # landscape 644x495 (RainDrops); crop_left 54.5 -> 54
    "img1.jpg": "img_00508.jpg",  # portrait 408x534 (Dune: grass + sky)
    "img2.jpg": "img_00062.jpg",  # near-square 470x475 (TwoWings)
    "img3.jpg": "img_00098.jpg",  # small: 408x322 (Storm)
}
PNG_SOURCE = "/usr/share/backgrounds/mate/nature/LadyBird.jpg"
PNG_BOX = (1500, 300, 2300, 1340)   # 800x1040 region around the ladybird
PNG_SIZE = (300, 390)               # w, h
INPUTS = ["img0.jpg", "img1.jpg", "img2.jpg", "img3.jpg", "img4.png"]

TF = transforms.Compose([transforms.Resize(256), transforms.CenterCrop(224)])


# ---------------------------------------------------------------- reference
# Pillow's 8-bit BILINEAR resample (libImaging/Resample.c), re-done in numpy.
PRECISION_BITS = 32 - 8 - 2


def _coeffs(in_size, out_size):
    """Dense int matrix (out_size x in_size) of fixed-point filter weights."""
    scale = in_size / out_size
    fscale = max(scale, 1.0)
    support = 1.0 * fscale                      # bilinear (triangle) support 1
    m = np.zeros((out_size, in_size), dtype=np.int64)
    for xx in range(out_size):
        center = (xx + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)
        xmax = min(int(center + support + 0.5), in_size)
        ss = 1.0 / fscale
        w = [max(0.0, 1.0 - abs((x - center + 0.5) * ss)) for x in range(xmin, xmax)]
        ww = 0.0
        for v in w:                              # same summation order as C
            ww += v
        w = np.array([v / ww for v in w])
        m[xx, xmin:xmax] = np.where(w < 0, np.trunc(-0.5 + w * (1 << PRECISION_BITS)),
                                    np.trunc(0.5 + w * (1 << PRECISION_BITS)))
    return m


def _pass(a, m):
    """Resample axis 1 of HxWxC uint8 array a with coefficient matrix m."""
    acc = np.einsum("ow,hwc->hoc", m, a.astype(np.int64)) + (1 << (PRECISION_BITS - 1))
    return np.clip(acc >> PRECISION_BITS, 0, 255).astype(np.uint8)


def reference(rgb):
    """rgb: HxWx3 uint8 (decoded pixels) -> 224x224x3 uint8."""
    h, w = rgb.shape[:2]
    if w <= h:
        nw, nh = 256, int(256 * h / w)
    else:
        nw, nh = int(256 * w / h), 256
    a = rgb
    if nw != w:                                  # horizontal pass first
        a = _pass(a, _coeffs(w, nw))
    if nh != h:                                  # then vertical
        a = _pass(a.transpose(1, 0, 2), _coeffs(h, nh)).transpose(1, 0, 2)
    top = int(round((nh - 224) / 2.0))           # Python round: half to even
    left = int(round((nw - 224) / 2.0))
    return a[top:top + 224, left:left + 224]


# ---------------------------------------------------------------- main
def copy_inputs(setdir):
    for dst, src in PICKS.items():
        shutil.copyfile(os.path.join(setdir, src), os.path.join(HERE, dst))
    im = Image.open(PNG_SOURCE).convert("RGB")
    im.resize(PNG_SIZE, Image.LANCZOS, box=PNG_BOX).save(
        os.path.join(HERE, "img4.png"), optimize=True)


def write_ppm(path, arr):
    h, w, _ = arr.shape
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h))
        f.write(np.ascontiguousarray(arr, dtype=np.uint8).tobytes())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from-set", metavar="DIR",
                    help="re-copy the JPEG inputs from this make_imageset folder")
    args = ap.parse_args()
    if args.from_set:
        copy_inputs(args.from_set)

    ok = True
    for name in INPUTS:
        p = os.path.join(HERE, name)
        im = Image.open(p).convert("RGB")
        out = np.asarray(TF(im))
        assert out.shape == (224, 224, 3), out.shape
        ppm = os.path.join(HERE, os.path.splitext(name)[0] + ".ppm")
        write_ppm(ppm, out)
        ref = reference(np.asarray(im))
        same = np.array_equal(ref, out)
        ok &= same
        print("%s %dx%d (%d bytes) -> %s  numpy-reference %s"
              % (name, im.size[0], im.size[1], os.path.getsize(p), os.path.basename(ppm),
                 "identical" if same else "DIFFERS (max %d)"
                 % np.abs(ref.astype(int) - out.astype(int)).max()))
    total = sum(os.path.getsize(os.path.join(HERE, f)) for f in os.listdir(HERE))
    print("tests/golden total: %d bytes" % total)
    if not ok:
        sys.exit("reference implementation does not match torchvision/PIL")


if __name__ == "__main__":
    main()
