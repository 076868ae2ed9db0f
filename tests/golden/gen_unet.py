#!/usr/bin/env python3
"""Golden data for Atelier's U-Net training engine, produced by PyTorch.

The module is the Topaz-Denoise U-Net of ../../../shared/bench/peer_unet_pytorch.py,
copied here unchanged except that the two head widths and the depth are parameters
(defaults as in the peer), so state_dict names are identical: enc.0.0.weight, enc.0.0.bias, ...,
enc.4.0.*, mid.0.*, dec.0.{0,2}.*, ..., dec.3.{0,2}.*, head.{0,2,4}.*.

Configurations (kernel sizes and structure always those of the peer):
  default : nf=48, head widths 64/32, 11x11 stem, 5x5 head  (the peer model)
  --small : nf=8,  head widths 16/8,  11x11 stem, 5x5 head  (fast on CPUs)
Input is 1x1x64x64 in both (64 survives the five 2x poolings).

With a fixed seed it builds the model, forwards a fixed Noise2Noise pair
(input, target), computes the MSE loss, backpropagates, and takes 5 Adam steps
(lr 1e-3), all in float32 on the CPU. The result is one safetensors file
(written with safetensors.torch.save_file):
  param.<name>  initial weights        grad.<name>  gradients of the first loss
  final.<name>  weights after 5 steps  input, target, output (first forward)
  losses        [5] loss before each Adam step
  metadata: magic=atelier-golden-unet, version=1, model=<JSON config>,
            optimizer, input_shape, seed, torch version.

  python3 tests/golden/gen_unet.py --out FILE [--small]
"""
import argparse, json
import torch, torch.nn as nn, torch.nn.functional as F

MAGIC, VERSION = "atelier-golden-unet", "1"
FULL = dict(nf=48, base=11, top=5, h1=64, h2=32)
SMALL = dict(nf=8, base=11, top=5, h1=16, h2=8)


def block(cin, cout, k):
    return [nn.Conv2d(cin, cout, k, padding=k // 2), nn.LeakyReLU(0.1)]


class UNet(nn.Module):
    # depth (pooling levels, 5 in the peer) is not in the peer; 3 is the
    # layout of Topaz's UDenoiseNetSmall, which Atelier also builds.
    def __init__(self, nf=48, base=11, top=5, h1=64, h2=32, depth=5):
        super().__init__()
        self.enc = nn.ModuleList([nn.Sequential(*block(1, nf, base), nn.MaxPool2d(2))] +
                                 [nn.Sequential(*block(nf, nf, 3), nn.MaxPool2d(2)) for _ in range(depth - 1)])
        self.mid = nn.Sequential(*block(nf, nf, 3))
        self.dec = nn.ModuleList([nn.Sequential(*block(2 * nf, 2 * nf, 3), *block(2 * nf, 2 * nf, 3))] +
                                 [nn.Sequential(*block(3 * nf, 2 * nf, 3), *block(2 * nf, 2 * nf, 3)) for _ in range(depth - 2)])
        self.head = nn.Sequential(*block(2 * nf + 1, h1, top), *block(h1, h2, top), nn.Conv2d(h2, 1, top, padding=top // 2))

    def forward(self, x):
        skips, h = [x], x
        for e in self.enc:
            h = e(h)
            skips.append(h)
        h = self.mid(skips.pop())
        for d in self.dec:
            s = skips.pop()
            h = d(torch.cat([F.interpolate(h, size=s.shape[-2:], mode="nearest"), s], 1))
        s = skips.pop()
        return self.head(torch.cat([F.interpolate(h, size=s.shape[-2:], mode="nearest"), s], 1))


def config_from_state(sd):
    """The UNet keyword arguments that produce these state_dict shapes."""
    cfg = dict(nf=sd["enc.0.0.weight"].shape[0], base=sd["enc.0.0.weight"].shape[-1],
               top=sd["head.0.weight"].shape[-1], h1=sd["head.0.weight"].shape[0],
               h2=sd["head.2.weight"].shape[0])
    depth = sum(1 for k in sd if k.startswith("enc.") and k.endswith(".0.weight"))
    if depth != 5:
        cfg["depth"] = depth
    return cfg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from safetensors.torch import save_file

    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)  # a fixed reduction order, so reruns are bit-identical
    cfg = SMALL if a.small else FULL
    torch.manual_seed(a.seed)
    model = UNet(**cfg)
    g = torch.Generator().manual_seed(a.seed + 1)
    yy, xx = torch.meshgrid(torch.arange(a.size), torch.arange(a.size), indexing="ij")
    clean = torch.sin(xx / 5.0) * torch.cos(yy / 7.0)
    x = (clean + 0.5 * torch.randn(clean.shape, generator=g)).reshape(1, 1, a.size, a.size)
    y = (clean + 0.5 * torch.randn(clean.shape, generator=g)).reshape(1, 1, a.size, a.size)

    out = {f"param.{k}": v.detach().clone() for k, v in model.state_dict().items()}
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for step in range(5):
        opt.zero_grad(set_to_none=True)
        pred = model(x)
        loss = F.mse_loss(pred, y)
        loss.backward()
        if step == 0:
            out["output"] = pred.detach().clone()
            out.update({f"grad.{k}": p.grad.detach().clone() for k, p in model.named_parameters()})
        losses.append(loss.detach().clone())
        opt.step()
    out.update({f"final.{k}": v.detach().clone() for k, v in model.state_dict().items()})
    out.update(input=x.contiguous(), target=y.contiguous(), losses=torch.stack(losses))
    meta = dict(magic=MAGIC, version=VERSION, model=json.dumps(cfg, sort_keys=True),
                optimizer="adam lr=0.001 betas=(0.9,0.999) eps=1e-8 steps=5 loss=mse",
                input_shape=json.dumps(list(x.shape)), seed=str(a.seed), torch=torch.__version__)
    save_file({k: v.contiguous() for k, v in out.items()}, a.out, metadata=meta)
    print(json.dumps(dict(out=a.out, losses=[float(l) for l in losses], **cfg)))


if __name__ == "__main__":
    main()
