#!/usr/bin/python3
"""PyTorch side of the batchtune loader benchmark.

Pipeline (the usual ImageNet eval pipeline):
  flat ImageFolder-like dataset over the files of --images (sorted names)
  -> PIL Image.open(path).convert('RGB')
  -> Resize(256) -> CenterCrop(224) -> ToTensor()
  -> Normalize(mean=[0.485,0.456,0.406], std=[0.229,0.224,0.225])
  -> torch.utils.data.DataLoader(batch_size=B, num_workers=W, shuffle=False)

Timing per repetition: t0 is taken before the DataLoader (and its iterator,
i.e. the worker processes) is created; first_batch_s = t0 -> first batch in
hand; total_s = t0 -> last batch in hand.  Module import time is excluded.
One JSON line per repetition on stdout.

--decode-only: just Image.open(p).convert('RGB') + .load() of every file on a
pool of --threads threads (or processes with --pool process); prints
{"impl":"pil_decode",...}.

Run with Debian's python: /usr/bin/python3 (python3-torch, python3-torchvision,
python3-pil).
"""
import argparse
import concurrent.futures
import json
import os
import sys
import time

from PIL import Image

IMG_EXTS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp")


def list_images(d):
    names = sorted(n for n in os.listdir(d) if n.lower().endswith(IMG_EXTS))
    if not names:
        sys.exit("no images in %s" % d)
    return [os.path.join(d, n) for n in names]


def pil_decode(path):
    im = Image.open(path)
    im = im.convert("RGB")
    im.load()
    return im.size


def _pid(_):
    return os.getpid()


def run_decode_only(paths, threads, pool):
    Ex = (concurrent.futures.ProcessPoolExecutor if pool == "process"
          else concurrent.futures.ThreadPoolExecutor)
    with Ex(max_workers=threads) as ex:
        if pool == "process":  # start the processes before timing
            list(ex.map(_pid, range(threads)))
        t0 = time.perf_counter()
        n = sum(1 for _ in ex.map(pil_decode, paths, chunksize=16 if pool == "process" else 1))
        dt = time.perf_counter() - t0
    return {"impl": "pil_decode", "images": n, "threads": threads, "pool": pool,
            "images_per_s": round(n / dt, 1), "total_s": round(dt, 4)}


def _worker_init(_worker_id):
    import torch
    torch.set_num_threads(1)


def run_torch(paths, batch, workers):
    import torch
    from torchvision import transforms

    tf = transforms.Compose([
        transforms.Resize(256),
        transforms.CenterCrop(224),
        transforms.ToTensor(),
        transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])

    class FlatImageFolder(torch.utils.data.Dataset):
        def __init__(self, files):
            self.files = files

        def __len__(self):
            return len(self.files)

        def __getitem__(self, i):
            with open(self.files[i], "rb") as f:
                img = Image.open(f).convert("RGB")
            return tf(img), 0

    ds = FlatImageFolder(paths)
    t0 = time.perf_counter()
    dl = torch.utils.data.DataLoader(ds, batch_size=batch, num_workers=workers,
                                     shuffle=False, worker_init_fn=_worker_init)
    it = iter(dl)
    first = None
    n = 0
    for x, _ in it:
        if first is None:
            first = time.perf_counter() - t0
        n += x.shape[0]
    total = time.perf_counter() - t0
    return {"impl": "torch", "images": n, "batch": batch, "workers": workers,
            "images_per_s": round(n / total, 1), "first_batch_s": round(first, 4),
            "total_s": round(total, 4)}


def main():
    ap = argparse.ArgumentParser(description="PyTorch DataLoader / PIL decode benchmark")
    ap.add_argument("--images", required=True, help="folder of images (flat)")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--decode-only", action="store_true",
                    help="only PIL decode all files on --threads threads")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pool", choices=["thread", "process"], default="thread")
    args = ap.parse_args()

    paths = list_images(args.images)

    if not args.decode_only:
        import torch
        # Fairness on a small (2-core) machine: by default torch gives every
        # process an intra-op thread pool as big as the core count, so the main
        # process and each DataLoader worker would oversubscribe the 2 cores
        # (the transforms' tensor ops -- Normalize, ToTensor's div -- would
        # spawn competing threads).  The batchtune C loader runs one thread per
        # worker, so torch gets one thread per process too: here for the main
        # process, and in _worker_init for each worker (DataLoader also does
        # this itself for workers, we make it explicit).
        torch.set_num_threads(1)

    for _ in range(args.reps):
        if args.decode_only:
            r = run_decode_only(paths, args.threads, args.pool)
        else:
            r = run_torch(paths, args.batch, args.workers)
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
