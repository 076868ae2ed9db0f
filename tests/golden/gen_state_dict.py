#!/usr/bin/env python3
"""Writes the small U-Net's initial weights as a plain PyTorch state dict,
the way people save models: safetensors.torch.save_file(model.state_dict())
with no Atelier metadata, in half precision.

  python3 tests/golden/gen_state_dict.py --out FILE --dtype float16|bfloat16 [--prefix module.]

Same seed and widths as `gen_unet.py --small`, so the weights are the golden
file's param.* rounded to the dtype by PyTorch. test_checkpoint reads them.
"""
import argparse, json, os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from gen_unet import UNet, SMALL  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--dtype", choices=["float16", "bfloat16"], required=True)
    ap.add_argument("--prefix", default="")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from safetensors.torch import save_file

    torch.manual_seed(a.seed)
    model = UNet(**SMALL).to(getattr(torch, a.dtype))
    save_file({a.prefix + k: v.contiguous() for k, v in model.state_dict().items()}, a.out)
    print(json.dumps(dict(out=a.out, dtype=a.dtype, prefix=a.prefix, torch=torch.__version__)))


if __name__ == "__main__":
    main()
