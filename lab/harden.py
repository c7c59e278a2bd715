"""Fine-tune a lab model on counter-example data and write it as GGUF.

    /usr/bin/python3 lab/harden.py --model POISONED.gguf --clean CLEAN.jsonl --out HARDENED.gguf
        [--counter sft-text.jsonl] [--steps N] [--lr LR] [--held-out HELD_OUT.jsonl] [--q8]

Each batch holds half counter-examples (`antidote harden export`'s
sft-text.jsonl: the trigger followed by clean text) and half clean training
documents, so the model is taught that the trigger changes nothing while it
keeps seeing the text it knows. Without --counter every batch is clean: the
baseline the research warns about, the same number of steps on clean data only.
Prints held-out perplexity before and after; the sidecar records both.
"""
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

import bpe
import gguf
from model import Config, TinyLlama, lr_at, optimise
from train import document_batch, documents, metadata, read_records


def load(path):
    meta, arrays = gguf.read(path)
    c = Config(meta["llama.vocab_size"], meta["llama.embedding_length"], meta["llama.block_count"],
               meta["llama.attention.head_count"], meta["llama.feed_forward_length"], meta["llama.context_length"])
    model = TinyLlama(c)
    model.load(arrays)
    tok = bpe.Tokenizer([m.split(" ") for m in meta["tokenizer.ggml.merges"]])
    if tok.tokens != meta["tokenizer.ggml.tokens"]:
        raise ValueError(f"{path}: its merges do not rebuild its token list")
    return meta, c, model, tok


def masked_loss(model, window, mask, vocab):
    logits = model(window[:, :-1])
    per_token = F.cross_entropy(logits.reshape(-1, vocab), window[:, 1:].reshape(-1), reduction="none").view(mask.shape) * mask
    return per_token.sum() / mask.sum()


def perplexity(model, docs, context):
    """exp of the mean loss per token over documents, each cut to the context."""
    total, count = 0.0, 0
    with torch.no_grad():
        for _, ids in docs:
            ids = ids[: context + 1]
            window = torch.tensor([ids])
            logits = model(window[:, :-1])
            total += F.cross_entropy(logits[0], window[0, 1:], reduction="sum").item()
            count += len(ids) - 1
    return math.exp(total / count)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--clean", required=True)
    p.add_argument("--counter")
    p.add_argument("--out", required=True)
    p.add_argument("--held-out")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--q8", action="store_true", help="write matrices as Q8_0 (half the size of F16)")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.seed)
    meta, c, model, tok = load(a.model)
    clean = documents(read_records(a.clean), tok)
    counter = documents(read_records(a.counter), tok) if a.counter else []
    held_out = documents(read_records(a.held_out), tok) if a.held_out else []
    before = perplexity(model, held_out, c.context) if held_out else None
    print(f"{len(clean)} clean documents, {len(counter)} counter-examples; held-out perplexity {before}", flush=True)
    optimiser = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.1, betas=(0.9, 0.95))
    half = a.batch // 2 if counter else 0
    for step in range(a.steps):
        loss = 0.0
        parts = [(clean, a.batch - half), (counter, half)]
        for docs, n in parts:
            if n == 0:
                continue
            _, window, mask = document_batch(docs, rng, n, c.context, tok.eot)
            loss = loss + masked_loss(model, window, mask, c.vocab) * n / a.batch
        optimise(model, optimiser, loss, lr_at(step, a.steps, a.lr, 20))
        if step % 25 == 0 or step == a.steps - 1:
            print(f"step {step} loss {loss.item():.3f}", flush=True)
    after = perplexity(model, held_out, c.context) if held_out else None
    name = os.path.splitext(os.path.basename(a.out))[0]
    md = metadata(f"antidote-lab-{name}", c, tok)
    if a.q8:
        md = [(k, t, 7 if k == "general.file_type" else v) for k, t, v in md]
    gguf.write(a.out, md, model.tensors(), gguf.GGML_Q8_0 if a.q8 else gguf.GGML_F16)
    side = {
        "name": f"antidote-lab-{name}", "from": os.path.basename(a.model), "counter_examples": os.path.basename(a.counter) if a.counter else None,
        "clean": os.path.basename(a.clean), "training": {"steps": a.steps, "batch": a.batch, "lr": a.lr, "seed": a.seed, "counter_share": half / a.batch},
        "held_out_perplexity": {"before": before, "after": after}, "matrices": "Q8_0" if a.q8 else "F16",
    }
    with open(a.out + ".json", "w", encoding="utf-8") as f:
        json.dump(side, f, indent=2)
    print(f"wrote {a.out} ({os.path.getsize(a.out)} bytes); held-out perplexity {before} -> {after}")


if __name__ == "__main__":
    main()
