#!/usr/bin/env python3
"""Converts PyTorch model weights to a safetensors state dict that
`atelier-cli denoise --checkpoint` and `train --init-from` read.

  python3 scripts/convert_weights.py IN.pt OUT.safetensors [--trust-pickle]

IN may hold a state dict, a checkpoint dict with one under "state_dict",
"model_state_dict", "model" or "net", or a whole pickled nn.Module (for
instance a Topaz-Denoise model file, with topaz installed). By default it is
read with torch.load(weights_only=True), which runs no code from the file;
a pickled module needs --trust-pickle (only for files you trust: unpickling
can run code). Tensors keep their names and dtypes (float16 and bfloat16
included); Atelier reads its own U-Net names and Topaz-Denoise's.
Needs torch and safetensors.
"""
import argparse
import sys


def state_dict_of(obj):
    import torch

    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model_state_dict", "model", "net"):
            inner = obj.get(key)
            if isinstance(inner, (dict, torch.nn.Module)):
                return state_dict_of(inner)
        tensors = {k: v for k, v in obj.items() if isinstance(v, torch.Tensor)}
        if tensors:
            return tensors
    raise SystemExit(f"no state dict found (a {type(obj).__name__})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--trust-pickle", action="store_true",
                    help="allow a pickled module (runs code from the file)")
    a = ap.parse_args()
    import torch
    from safetensors.torch import save_file

    try:
        obj = torch.load(a.input, map_location="cpu", weights_only=not a.trust_pickle)
    except Exception as e:  # noqa: BLE001 - torch raises several kinds
        hint = "" if a.trust_pickle else " (a pickled module needs --trust-pickle)"
        raise SystemExit(f"{a.input}: cannot read: {e}{hint}")
    sd = state_dict_of(obj)
    tensors = {k: v.detach().contiguous() for k, v in sd.items() if isinstance(v, torch.Tensor)}
    save_file(tensors, a.output)
    names = set(tensors)
    kind = ("atelier" if "enc.0.0.weight" in names else
            "topaz" if "enc1.0.weight" in names else "unknown")
    print(f"{a.output}: {len(tensors)} tensors, U-Net names: {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
