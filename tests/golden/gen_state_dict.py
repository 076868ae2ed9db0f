#!/usr/bin/env python3
"""Writes U-Net weights as a plain PyTorch state dict, the way people save
models: safetensors.torch.save_file(model.state_dict()) with no Atelier
metadata.

  python3 tests/golden/gen_state_dict.py --out FILE --dtype float16|bfloat16|float32
      [--prefix module.] [--topaz --expect FILE]

Default: the small U-Net's initial weights (same seed and widths as
`gen_unet.py --small`), so they are the golden file's param.* rounded to
the dtype by PyTorch. --topaz: the same network written with Topaz-Denoise's
module names (enc1..enc6, dec5..dec2, dec1; nf 8, a 3x3 head of 64 and 32
channels, as Topaz's default top width; --depth 3 for the layout of Topaz's
UDenoiseNetSmall), and with --expect a second file holding a 64 x 64 input
and this model's output for it. test_engine reads them.
"""
import argparse, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from gen_unet import UNet, SMALL, block  # noqa: E402


class TopazNamedUNet(nn.Module):
    """gen_unet.UNet's network under Topaz-Denoise's attribute names; depth 5
    is Topaz's UDenoiseNet, depth 3 its UDenoiseNetSmall."""

    def __init__(self, nf=8, base=11, top=3, h1=64, h2=32, depth=5):
        super().__init__()
        self.depth = depth
        self.enc1 = nn.Sequential(*block(1, nf, base), nn.MaxPool2d(2))
        for i in range(2, depth + 1):
            setattr(self, f"enc{i}", nn.Sequential(*block(nf, nf, 3), nn.MaxPool2d(2)))
        setattr(self, f"enc{depth + 1}", nn.Sequential(*block(nf, nf, 3)))
        setattr(self, f"dec{depth}", nn.Sequential(*block(2 * nf, 2 * nf, 3), *block(2 * nf, 2 * nf, 3)))
        for i in range(2, depth):
            setattr(self, f"dec{i}", nn.Sequential(*block(3 * nf, 2 * nf, 3), *block(2 * nf, 2 * nf, 3)))
        self.dec1 = nn.Sequential(*block(2 * nf + 1, h1, top), *block(h1, h2, top),
                                  nn.Conv2d(h2, 1, top, padding=top // 2))

    def forward(self, x):
        skips, h = [x], x
        for i in range(1, self.depth + 1):
            h = getattr(self, f"enc{i}")(h)
            skips.append(h)
        h = getattr(self, f"enc{self.depth + 1}")(skips.pop())
        for i in range(self.depth, 1, -1):
            s = skips.pop()
            h = getattr(self, f"dec{i}")(torch.cat([F.interpolate(h, size=s.shape[-2:], mode="nearest"), s], 1))
        s = skips.pop()
        return self.dec1(torch.cat([F.interpolate(h, size=s.shape[-2:], mode="nearest"), s], 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", choices=["float16", "bfloat16", "float32"], required=True)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--topaz", action="store_true")
    ap.add_argument("--expect", default="")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--depth", type=int, default=5, help="with --topaz: 5 (unet) or 3 (unet-small)")
    a = ap.parse_args()
    from safetensors.torch import save_file

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    model = TopazNamedUNet(depth=a.depth) if a.topaz else UNet(**SMALL)
    model = model.to(getattr(torch, a.dtype))
    save_file({a.prefix + k: v.contiguous() for k, v in model.state_dict().items()}, a.out)
    if a.expect:
        g = torch.Generator().manual_seed(a.seed + 1)
        x = torch.randn(1, 1, 64, 64, generator=g)
        with torch.no_grad():
            y = model.float()(x)
        save_file({"input": x.contiguous(), "output": y.contiguous()}, a.expect)
    print(json.dumps(dict(out=a.out, dtype=a.dtype, prefix=a.prefix, topaz=a.topaz, depth=a.depth,
                          torch=torch.__version__)))


if __name__ == "__main__":
    main()
