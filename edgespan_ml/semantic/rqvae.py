"""RQ-VAE (TIGER's quantizer): an MLP autoencoder whose latent goes through L residual codebooks of
K codes, trained end to end, so the codes serve the reconstruction rather than the raw vectors'
geometry. It is the setting where the hourglass paper saw the middle layer collapse; residual
k-means (rq.py) on these vectors does not produce one (docs/semantic-ids.md).

Training, as in TIGER: reconstruction MSE plus, per layer, the codebook term |sg[r_l] - e_l|^2 and
the commitment term beta * |r_l - sg[e_l]|^2; the decoder sees the quantized latent through the
straight-through estimator. Codebooks start from k-means of the first batch's residuals, layer by
layer. Codes are then the nearest codebook entries of each item's residuals, as at training.

    python -m edgespan_ml.semantic.build --catalog homedepot --quantizer rqvae --out DIR
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import Tensor, nn

from .rq import Quantizer, kmeans, nearest


@dataclass
class RqVaeConfig:
    layers: int = 3
    codes: int = 256
    latent: int = 32
    hidden: tuple[int, ...] = (512, 256, 128)
    beta: float = 0.25
    steps: int = 4000
    batch_size: int = 1024
    lr: float = 1e-3
    seed: int = 0


def mlp(sizes: list[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:], strict=False)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


class RqVae(nn.Module):
    def __init__(self, dim: int, cfg: RqVaeConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = mlp([dim, *cfg.hidden, cfg.latent])
        self.decoder = mlp([cfg.latent, *reversed(cfg.hidden), dim])
        self.codebooks = nn.Parameter(torch.zeros(cfg.layers, cfg.codes, cfg.latent))

    def quantize(self, z: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Quantized latent, codes [N, L], and the codebook plus commitment loss."""
        residual, quantized, codes = z, torch.zeros_like(z), []
        loss = z.new_zeros(())
        for book in self.codebooks:
            code, _ = nearest(residual.detach(), book.detach())
            entry = book[code]
            codebook_term = ((residual.detach() - entry) ** 2).mean()
            loss = loss + codebook_term + self.cfg.beta * ((residual - entry.detach()) ** 2).mean()
            quantized = quantized + entry
            residual = residual - entry.detach()
            codes.append(code)
        return quantized, torch.stack(codes, 1), loss

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        z = self.encoder(x)
        quantized, codes, rq_loss = self.quantize(z)
        straight_through = z + (quantized - z).detach()
        return self.decoder(straight_through), codes, rq_loss

    @torch.no_grad()
    def init_codebooks(self, x: Tensor) -> None:
        residual = self.encoder(x)
        for layer in range(self.cfg.layers):
            centroids, assign = kmeans(residual, self.cfg.codes, seed=self.cfg.seed + layer)
            self.codebooks[layer] = centroids
            residual = residual - centroids[assign]


def train_rqvae(embeddings: np.ndarray, cfg: RqVaeConfig, log_every: int = 500) -> tuple[Quantizer, dict]:
    if embeddings.ndim != 2 or len(embeddings) < cfg.codes:
        raise ValueError(f"need a [N, D] matrix with N >= K={cfg.codes}, got shape {embeddings.shape}")
    torch.manual_seed(cfg.seed)
    x = torch.from_numpy(np.ascontiguousarray(embeddings, dtype=np.float32))
    model = RqVae(x.shape[1], cfg)
    gen = torch.Generator().manual_seed(cfg.seed)
    model.init_codebooks(x[torch.randperm(len(x), generator=gen)[: max(cfg.batch_size, cfg.codes)]])
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    started, history = time.time(), []
    for step in range(cfg.steps):
        batch = x[torch.randint(len(x), (min(cfg.batch_size, len(x)),), generator=gen)]
        reconstruction, _, rq_loss = model(batch)
        recon_loss = ((reconstruction - batch) ** 2).sum(1).mean()
        loss = recon_loss + rq_loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if step % log_every == 0 or step == cfg.steps - 1:
            point = {"step": step, "reconstruction": round(recon_loss.item(), 4), "rq": round(rq_loss.item(), 4)}
            history.append(point)
            print(f"rqvae step {step}: reconstruction {recon_loss.item():.4f} rq {rq_loss.item():.4f}", flush=True)
    model.eval()
    with torch.no_grad():
        parts = [model(x[i : i + 8192]) for i in range(0, len(x), 8192)]
        reconstruction = torch.cat([p[0] for p in parts])
        codes = torch.cat([p[1] for p in parts])
    report = {
        "config": asdict(cfg),
        "seconds": round(time.time() - started, 1),
        "reconstruction_mse": round(float(((reconstruction - x) ** 2).sum(1).mean()), 4),
        "codes_used": [int(torch.unique(codes[:, layer]).numel()) for layer in range(cfg.layers)],
        "history": history,
    }
    return Quantizer(model.codebooks.detach().numpy().copy(), codes.numpy().astype(np.int64)), report
