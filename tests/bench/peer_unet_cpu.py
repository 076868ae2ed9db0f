#!/usr/bin/env python3
"""PyTorch's CPU training step for the U-Net of tests/golden/gen_unet.py, to
compare with `atelier-cli bench denoise-train --device cpu` on the same
machine (same model widths, batch, crop, Adam, MSE, float32); with --infer
SIZE, the forward pass over one SIZE x SIZE image without gradients, to
compare with `atelier-cli bench denoise-infer --device cpu --precision fp32`.

  python3 tests/bench/peer_unet_cpu.py [--small] [--batch 4] [--crop 128] [--steps 5] [--threads N]
  python3 tests/bench/peer_unet_cpu.py --infer 1024 [--small] [--reps 3] [--threads N]
Prints one JSON line with the field names of the Atelier benchmark.
"""
import argparse, json, os, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import torch, torch.nn.functional as F  # noqa: E402
from gen_unet import UNet, FULL, SMALL  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--crop", type=int, default=128)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--infer", type=int, default=0)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = UNet(**(SMALL if a.small else FULL))
    if a.infer:
        infer(model, a)
        return
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(a.batch, 1, a.crop, a.crop)
    y = torch.randn_like(x)

    def step():
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    step()
    t = time.perf_counter()
    for _ in range(a.steps):
        step()
    s = (time.perf_counter() - t) / a.steps
    print(json.dumps(dict(bench="train_step", engine="pytorch", device="cpu", torch=torch.__version__,
                          threads=torch.get_num_threads(), model="unet-small" if a.small else "unet",
                          precision="fp32", crop=a.crop, batch=a.batch, step_ms=s * 1e3,
                          images_per_s=a.batch / s, megapixels_per_s=a.batch * a.crop ** 2 / s / 1e6)))


def infer(model, a):
    model.eval()
    x = torch.randn(1, 1, a.infer, a.infer)
    with torch.no_grad():
        model(x)  # warm-up
        times = []
        for _ in range(a.reps):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    s = sorted(times)[len(times) // 2]
    print(json.dumps(dict(bench="denoise_infer", engine="pytorch", device="cpu", torch=torch.__version__,
                          threads=torch.get_num_threads(), model="unet-small" if a.small else "unet",
                          precision="fp32", size=a.infer, ms=s * 1e3,
                          megapixels_per_s=a.infer ** 2 / s / 1e6)))


if __name__ == "__main__":
    main()
