"""A tiny llama: RMSNorm, rotary attention, SwiGLU, output tied to the embedding.

Rotary embeddings rotate adjacent pairs (0,1), (2,3)... of each head, the
layout llama.cpp's `llama` architecture applies to GGUF weights, so the
weights are written without the permutation Hugging Face checkpoints need.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn


class Config:
    def __init__(self, vocab, embd=128, layers=4, heads=4, ff=384, context=256, eps=1e-5, rope_base=10000.0):
        self.vocab, self.embd, self.layers, self.heads, self.ff = vocab, embd, layers, heads, ff
        self.context, self.eps, self.rope_base = context, eps, rope_base


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope(x, cos, sin):
    pairs = x.reshape(*x.shape[:-1], -1, 2)
    a, b = pairs[..., 0], pairs[..., 1]
    return torch.stack((a * cos - b * sin, a * sin + b * cos), dim=-1).flatten(-2)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads = c.heads
        self.attn_norm = RMSNorm(c.embd, c.eps)
        self.q = nn.Linear(c.embd, c.embd, bias=False)
        self.k = nn.Linear(c.embd, c.embd, bias=False)
        self.v = nn.Linear(c.embd, c.embd, bias=False)
        self.o = nn.Linear(c.embd, c.embd, bias=False)
        self.ffn_norm = RMSNorm(c.embd, c.eps)
        self.gate = nn.Linear(c.embd, c.ff, bias=False)
        self.up = nn.Linear(c.embd, c.ff, bias=False)
        self.down = nn.Linear(c.ff, c.embd, bias=False)
        self.register_buffer("future", torch.ones(c.context, c.context, dtype=torch.bool).triu(1), persistent=False)

    def forward(self, x, cos, sin):
        batch, length, embd = x.shape
        h = self.attn_norm(x)
        split = lambda t: t.view(batch, length, self.heads, embd // self.heads).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
        scores = scores.masked_fill(self.future[:length, :length], float("-inf"))
        att = scores.softmax(-1) @ v
        x = x + self.o(att.transpose(1, 2).reshape(batch, length, embd))
        h = self.ffn_norm(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class TinyLlama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.config = c
        self.embed = nn.Embedding(c.vocab, c.embd)
        nn.init.normal_(self.embed.weight, std=0.02)
        self.blocks = nn.ModuleList(Block(c) for _ in range(c.layers))
        self.norm = RMSNorm(c.embd, c.eps)
        head = c.embd // c.heads
        freqs = c.rope_base ** (-torch.arange(0, head, 2).float() / head)
        angles = torch.outer(torch.arange(c.context).float(), freqs)
        self.register_buffer("cos", angles.cos(), persistent=False)
        self.register_buffer("sin", angles.sin(), persistent=False)

    def forward(self, ids):
        x = self.embed(ids)
        cos, sin = self.cos[: ids.shape[1]], self.sin[: ids.shape[1]]
        for block in self.blocks:
            x = block(x, cos, sin)
        return self.norm(x) @ self.embed.weight.T

    def tensors(self):
        """(GGUF name, numpy array) in llama.cpp's naming."""
        return [(n, p.detach().cpu().numpy()) for n, p in self.parameters_by_gguf_name()]

    def load(self, arrays):
        """Sets every parameter from {GGUF name: numpy array}, as gguf.read returns them."""
        with torch.no_grad():
            for name, p in self.parameters_by_gguf_name():
                p.copy_(torch.from_numpy(arrays[name]).reshape(p.shape))

    def parameters_by_gguf_name(self):
        out = [("token_embd.weight", self.embed.weight), ("output_norm.weight", self.norm.weight)]
        for i, b in enumerate(self.blocks):
            for name, p in [("attn_norm", b.attn_norm.weight), ("attn_q", b.q.weight), ("attn_k", b.k.weight),
                            ("attn_v", b.v.weight), ("attn_output", b.o.weight), ("ffn_norm", b.ffn_norm.weight),
                            ("ffn_gate", b.gate.weight), ("ffn_up", b.up.weight), ("ffn_down", b.down.weight)]:
                out.append((f"blk.{i}.{name}.weight", p))
        return out


def parameters_count(model):
    return sum(p.numel() for p in model.parameters())


def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def optimise(model, optimiser, loss, lr):
    """One step: the learning rate set, gradients clipped to norm 1."""
    for group in optimiser.param_groups:
        group["lr"] = lr
    optimiser.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimiser.step()
