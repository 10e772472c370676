import copy

import torch

from edgespan_ml import dpo
from edgespan_ml.model import SpanModel, SpanModelConfig

CFG = SpanModelConfig(
    vocab_size=40, embed_dim=16, d_model=32, n_heads=2, n_encoder_layers=1, n_decoder_layers=1, d_ff=64, dropout=0.0
)


def test_dpo_learns_the_preferred_target_over_the_reference():
    torch.manual_seed(0)
    reference = SpanModel(CFG).eval()
    policy = copy.deepcopy(reference).train()
    # For every query, spans of token 10 are preferred to spans of token 20.
    pairs = [([5 + i % 5, 6], [10, 11, 4], [20, 21, 4]) for i in range(16)]
    before, acc0 = dpo.dpo_loss(policy, reference, pairs, "cpu", beta=0.5)
    assert abs(before.item() - 0.6931) < 1e-3 and acc0 == 0.0  # policy == reference: margin 0
    opt = torch.optim.AdamW(policy.parameters(), lr=1e-2)
    for _ in range(30):
        loss, _ = dpo.dpo_loss(policy, reference, pairs, "cpu", beta=0.5)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after, acc = dpo.dpo_loss(policy, reference, pairs, "cpu", beta=0.5)
    assert after.item() < before.item() and acc == 1.0
