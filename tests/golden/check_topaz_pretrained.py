#!/usr/bin/env python3
"""Checks that Topaz-Denoise's pretrained 2D U-Nets denoise in Atelier as in
PyTorch. Needs torch, safetensors, numpy and topaz-em (its wheel carries the
pretrained files, plain state dicts); not run in CI.

  python3 tests/golden/check_topaz_pretrained.py --cli build/dev/bin/atelier-cli IMAGE.mrc

For each of unet (unet_L2_v0.2.2), unet-v0.2.1 and unet-small
(unet_small_L1_v0.2.2): converts the file with scripts/convert_weights.py,
denoises IMAGE with `atelier-cli denoise --normalisation image`, and runs
Topaz's own module in float32 on the window Atelier's tiler builds (the
image reflected without repeating its edge by the tile overlap, 128, and up
to a multiple of 32, one tile: IMAGE at most 1024 pixels a side), normalised
by the image's mean and std as Topaz's denoise does. Prints the largest
difference as a fraction of the output's range; fails above --tol (1e-5).
Topaz's `denoise` itself zero-pads at the image border instead, so its
results differ near borders.
"""
import argparse, os, pathlib, struct, subprocess, sys, tempfile

import numpy as np
import torch
from topaz.denoising.models import UDenoiseNet, UDenoiseNetSmall

MODELS = {
    "unet_L2_v0.2.2": lambda: UDenoiseNet(base_width=11, top_width=5),
    "unet_L2_v0.2.1": lambda: UDenoiseNet(base_width=7, top_width=3),
    "unet_small_L1_v0.2.2": lambda: UDenoiseNetSmall(width=11, top_width=5),
}
OVERLAP = 128


def read_mrc(path):
    raw = pathlib.Path(path).read_bytes()
    nx, ny, nz, mode = struct.unpack("<4i", raw[:16])
    ext = struct.unpack("<i", raw[92:96])[0]
    dtype = {0: np.int8, 1: np.int16, 2: np.float32, 6: np.uint16}[mode]
    return np.frombuffer(raw[1024 + ext:], dtype=dtype, count=nx * ny).reshape(ny, nx).astype(np.float32)


def topaz_on_window(model, x):
    h, w = x.shape
    up = lambda n: (n + 31) // 32 * 32
    win = np.pad(x, ((OVERLAP, up(h) + OVERLAP - h), (OVERLAP, up(w) + OVERLAP - w)), mode="reflect")
    t = torch.from_numpy(x)
    mu, std = t.mean(), t.std()
    with torch.no_grad():
        y = model(((torch.from_numpy(win) - mu) / std)[None, None]).squeeze() * std + mu
    return y.numpy()[OVERLAP:OVERLAP + h, OVERLAP:OVERLAP + w]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("image")
    ap.add_argument("--cli", required=True)
    ap.add_argument("--tol", type=float, default=1e-5)
    a = ap.parse_args()
    root = pathlib.Path(__file__).resolve().parents[2]
    pretrained = pathlib.Path(sys.modules["topaz"].__file__).parent / "pretrained" / "denoise"
    x = read_mrc(a.image)
    if max(x.shape) > 1024:
        raise SystemExit(f"{a.image}: at most 1024 pixels a side (one tile)")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in MODELS.items():
            sav = pretrained / f"{name}.sav"
            weights = os.path.join(tmp, f"{name}.safetensors")
            subprocess.run([sys.executable, str(root / "scripts" / "convert_weights.py"), str(sav), weights],
                           check=True, stdout=subprocess.DEVNULL)
            out = os.path.join(tmp, name)
            subprocess.run([a.cli, "denoise", "--checkpoint", weights, a.image, "--out", out,
                            "--normalisation", "image", "--device", "cpu", "--overlap", str(OVERLAP),
                            "--memory-budget-gib", "64"],  # one tile
                           check=True, stdout=subprocess.DEVNULL)
            got = read_mrc(os.path.join(out, pathlib.Path(a.image).stem + ".mrc"))
            model = make()
            model.load_state_dict(torch.load(sav, map_location="cpu", weights_only=True))
            want = topaz_on_window(model.eval(), x)
            err = float(np.abs(got - want).max() / (want.max() - want.min()))
            worst = max(worst, err)
            print(f"{name}: largest difference {err:.2e} of the output's range")
    return 0 if worst <= a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
