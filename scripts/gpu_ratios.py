#!/usr/bin/env python3
"""Ratios of Atelier's end-to-end GPU benchmarks to PyTorch's, from one JSON
lines file holding both (atelier-cli bench denoise-train / denoise-infer and
peer_unet_pytorch.py, run in the same job on the same GPU).

    python3 scripts/gpu_ratios.py gpu-e2e.jsonl

For every precision, PyTorch's time over ours (above 1: Atelier is faster)
for the training step and for denoising one image, against PyTorch's best
eager and best compiled run (either layout) of the same work: the full U-Net,
the same crop and batch, the same image size. Peak memories beside them.
"""
import json
import sys


def best(rows, key, pred):
    picked = [r for r in rows if pred(r)]
    return min(picked, key=lambda r: r[key]) if picked else None


def same_work(a, b):
    """The peer's full U-Net, same crop and batch for a training step, same
    image side for denoising."""
    if b.get("model", "unet") != "unet":
        return False
    if a["bench"] == "train_step":
        return a.get("crop") == b.get("crop") and a.get("batch") == b.get("batch")
    return a.get("size") == b.get("size")


def main(path):
    ours, peer = [], []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue
            (ours if rec.get("engine") == "atelier" else peer).append(rec)
    if not ours or not peer:
        print(f"{path}: needs both Atelier's and PyTorch's lines", file=sys.stderr)
        return 1
    print("| precision | what | Atelier | PyTorch eager | PyTorch compiled | vs eager | vs compiled |")
    print("|---|---|---|---|---|---|---|")
    for precision in sorted({r["precision"] for r in ours}):
        for bench, key, unit in (("train_step", "step_ms", "ms/step"),
                                 ("denoise_micrograph", "ms", "ms")):
            mine = best(ours, key, lambda r: r["bench"] == bench and r["precision"] == precision)
            if mine is None:
                continue
            cells = []
            ratios = []
            for compiled in (False, True):
                theirs = best(peer, key, lambda r: r["bench"] == bench and same_work(r, mine) and
                              r["precision"] == precision and r.get("compiled") == compiled)
                if theirs is None:
                    cells.append("-")
                    ratios.append("-")
                    continue
                layout = "NHWC" if theirs.get("channels_last") else "NCHW"
                cells.append(f"{theirs[key]:.1f} {unit} ({layout}), {theirs['peak_mem_gib']:.2f} GiB")
                ratios.append(f"{theirs[key] / mine[key]:.2f}x")
            what = bench
            if "overlap" in mine:  # tiles with context: more pixels than the peer's one pass
                what += f" (tiles {mine.get('tile')}, context {mine['overlap']})"
            print(f"| {precision} | {what} | {mine[key]:.1f} {unit}, {mine['peak_mem_gib']:.2f} GiB | "
                  f"{cells[0]} | {cells[1]} | {ratios[0]} | {ratios[1]} |")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
