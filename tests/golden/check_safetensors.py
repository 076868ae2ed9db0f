#!/usr/bin/env python3
"""Loads a safetensors file in PyTorch and prints its tensors and metadata.

  python3 tests/golden/check_safetensors.py FILE [--unet] [--prefix param.]

--unet: builds gen_unet.UNet with the widths read off the tensor shapes and
calls load_state_dict(strict=True) with the tensors named like state_dict keys
(after removing --prefix; tensors under "optim." are skipped). When the file
also holds "input" and "output" (a golden file), the forward pass is compared.
Exits non-zero on any failure.
"""
import argparse, os, sys
import torch
from safetensors import safe_open
from safetensors.torch import load_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--unet", action="store_true")
    ap.add_argument("--prefix", default="")
    a = ap.parse_args()
    tensors = load_file(a.file)
    with safe_open(a.file, framework="pt") as f:
        meta = f.metadata() or {}
    for k in sorted(tensors):
        print(f"{k}\t{str(tensors[k].dtype).replace('torch.', '')}\t{list(tensors[k].shape)}")
    for k in sorted(meta):
        print(f"metadata {k} = {meta[k]}")
    if not a.unet:
        return 0
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from gen_unet import UNet, config_from_state

    sd = {k[len(a.prefix):]: v for k, v in tensors.items()
          if k.startswith(a.prefix) and not k.startswith("optim.")}
    model = UNet(**config_from_state(sd))
    keys = set(model.state_dict())
    extra = sorted(set(sd) - keys)
    if extra:
        print(f"not state_dict names (ignored): {extra}")
        sd = {k: v for k, v in sd.items() if k in keys}
    model.load_state_dict(sd, strict=True)  # raises on missing, unexpected or misshapen keys
    print(f"load_state_dict(strict=True) ok: {len(sd)} tensors, config {config_from_state(sd)}")
    if "input" in tensors and "output" in tensors and a.prefix == "param.":
        with torch.no_grad():
            got = model(tensors["input"].float())
        err = (got - tensors["output"]).abs().max().item()
        print(f"forward max |diff| vs stored output: {err:.3g}")
        if err > 1e-4:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
