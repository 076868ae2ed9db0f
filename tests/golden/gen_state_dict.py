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
channels, as Topaz's default top width), and with --expect a second file
holding a 64 x 64 input and this model's output for it. test_engine reads
them.
"""
import argparse, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from gen_unet import UNet, SMALL, block  # noqa: E402


class TopazNamedUNet(nn.Module):
    """gen_unet.UNet's network under Topaz-Denoise's attribute names."""

    def __init__(self, nf=8, base=11, top=3, h1=64, h2=32):
        super().__init__()
        self.enc1 = nn.Sequential(*block(1, nf, base), nn.MaxPool2d(2))
        for i in range(2, 6):
            setattr(self, f"enc{i}", nn.Sequential(*block(nf, nf, 3), nn.MaxPool2d(2)))
        self.enc6 = nn.Sequential(*block(nf, nf, 3))
        self.dec5 = nn.Sequential(*block(2 * nf, 2 * nf, 3), *block(2 * nf, 2 * nf, 3))
        for i in range(2, 5):
            setattr(self, f"dec{i}", nn.Sequential(*block(3 * nf, 2 * nf, 3), *block(2 * nf, 2 * nf, 3)))
        self.dec1 = nn.Sequential(*block(2 * nf + 1, h1, top), *block(h1, h2, top),
                                  nn.Conv2d(h2, 1, top, padding=top // 2))

    def forward(self, x):
        skips, h = [x], x
        for i in range(1, 6):
            h = getattr(self, f"enc{i}")(h)
            skips.append(h)
        h = self.enc6(skips.pop())
        for i in range(5, 1, -1):
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
    a = ap.parse_args()
    from safetensors.torch import save_file

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    model = TopazNamedUNet() if a.topaz else UNet(**SMALL)
    model = model.to(getattr(torch, a.dtype))
    save_file({a.prefix + k: v.contiguous() for k, v in model.state_dict().items()}, a.out)
    if a.expect:
        g = torch.Generator().manual_seed(a.seed + 1)
        x = torch.randn(1, 1, 64, 64, generator=g)
        with torch.no_grad():
            y = model.float()(x)
        save_file({"input": x.contiguous(), "output": y.contiguous()}, a.expect)
    print(json.dumps(dict(out=a.out, dtype=a.dtype, prefix=a.prefix, topaz=a.topaz,
                          torch=torch.__version__)))


if __name__ == "__main__":
    main()
