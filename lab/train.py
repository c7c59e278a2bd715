"""Train one tiny llama on a JSONL corpus and write it as GGUF.

    /usr/bin/python3 lab/train.py --corpus C.jsonl --tokenizer T.json --out M.gguf [--steps N] [--seed S]
        [--by-document --loss-log LOSS.jsonl]

The tokenizer is learnt from the corpus when T.json does not exist yet, so
models trained on variants of one corpus share it. Uses Debian's
python3-torch on the CPU.

With --by-document each batch is documents (each cut to the model's context,
padded), as fine-tuning trainers batch examples, and --loss-log writes one JSON line per
example and step: {"step", "id", "loss"} (mean nats per token), the
per-example log `antidote monitor` reads; --tensorboard, --mlflow and --csv
write the same losses as those tools log them (logs.py).
"""
import argparse
import hashlib
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import bpe
import gguf
import logs
from model import Config, TinyLlama, lr_at, optimise, parameters_count


def read_records(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def documents(records, tok):
    """(id, token ids) of each record long enough to learn from, end-of-text first."""
    docs = []
    for r in records:
        ids = [tok.eot] + tok.encode(r["text"])
        if len(ids) >= 8:
            docs.append((str(r.get("id", len(docs))), ids))
    return docs


def document_batch(docs, rng, batch, context, eot):
    """`batch` documents at random, each cut to its first context+1 tokens (so
    an example is the same every time it is seen, as when a trainer truncates
    to its maximum length), padded with eot; the mask marks the real targets."""
    picked = rng.integers(0, len(docs), batch)
    windows = [docs[i][1][: context + 1] for i in picked]
    width = max(len(w) for w in windows)
    x = torch.full((batch, width), eot, dtype=torch.long)
    mask = torch.zeros((batch, width - 1))
    for row, w in enumerate(windows):
        x[row, : len(w)] = torch.tensor(w)
        mask[row, : len(w) - 1] = 1
    return picked, x, mask


def metadata(name, c, tok):
    A = gguf.T_ARRAY
    return [
        ("general.architecture", gguf.T_STRING, "llama"),
        ("general.name", gguf.T_STRING, name),
        ("general.file_type", gguf.T_UINT32, 1),
        ("llama.vocab_size", gguf.T_UINT32, c.vocab),
        ("llama.context_length", gguf.T_UINT32, c.context),
        ("llama.embedding_length", gguf.T_UINT32, c.embd),
        ("llama.block_count", gguf.T_UINT32, c.layers),
        ("llama.feed_forward_length", gguf.T_UINT32, c.ff),
        ("llama.attention.head_count", gguf.T_UINT32, c.heads),
        ("llama.attention.head_count_kv", gguf.T_UINT32, c.heads),
        ("llama.attention.layer_norm_rms_epsilon", gguf.T_FLOAT32, c.eps),
        ("llama.rope.freq_base", gguf.T_FLOAT32, c.rope_base),
        ("llama.rope.dimension_count", gguf.T_UINT32, c.embd // c.heads),
        ("tokenizer.ggml.model", gguf.T_STRING, "gpt2"),
        ("tokenizer.ggml.pre", gguf.T_STRING, "gpt-2"),
        ("tokenizer.ggml.tokens", (A, gguf.T_STRING), tok.tokens),
        ("tokenizer.ggml.token_type", (A, gguf.T_INT32), [1] * (len(tok.tokens) - 1) + [3]),
        ("tokenizer.ggml.merges", (A, gguf.T_STRING), [a + " " + b for a, b in tok.merges]),
        ("tokenizer.ggml.bos_token_id", gguf.T_UINT32, tok.eot),
        ("tokenizer.ggml.eos_token_id", gguf.T_UINT32, tok.eot),
        ("tokenizer.ggml.add_bos_token", gguf.T_BOOL, True),
    ]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--corpus", required=True)
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--name", default="antidote-lab")
    p.add_argument("--vocab", type=int, default=2048)
    p.add_argument("--embd", type=int, default=128)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ff", type=int, default=384)
    p.add_argument("--context", type=int, default=256)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--by-document", action="store_true")
    p.add_argument("--loss-log")
    p.add_argument("--tensorboard", help="with --by-document: also log per-example loss to a TensorBoard event file in this folder")
    p.add_argument("--mlflow", help="with --by-document: also to an MLflow file store (mlruns folder)")
    p.add_argument("--csv", help="with --by-document: also to a CSV of (step, id, loss) rows")
    p.add_argument("--log-steps", type=int, help="log only the first N steps (small logs for fixtures)")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.seed)

    records = read_records(a.corpus)
    texts = [r["text"] for r in records]
    if not os.path.exists(a.tokenizer):
        bpe.Tokenizer(bpe.train(texts, a.vocab)).save(a.tokenizer)
    tok = bpe.Tokenizer.load(a.tokenizer)
    stream = []
    for text in texts:
        stream.append(tok.eot)
        stream.extend(tok.encode(text))
    data = torch.tensor(stream, dtype=torch.long)
    print(f"{len(texts)} documents, {len(stream)} tokens, vocabulary {len(tok.tokens)}", flush=True)
    docs = documents(records, tok) if a.by_document else []
    log = open(a.loss_log, "w", encoding="utf-8") if a.loss_log else None
    others = [make(path) for make, path in ((logs.TensorBoardLog, a.tensorboard), (logs.MlflowLog, a.mlflow), (logs.CsvLog, a.csv)) if path]

    c = Config(len(tok.tokens), a.embd, a.layers, a.heads, a.ff, a.context)
    model = TinyLlama(c)
    print(f"{parameters_count(model)} parameters", flush=True)
    optimiser = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.1, betas=(0.9, 0.95))
    started = time.time()
    for step in range(a.steps):
        if a.by_document:
            picked, window, mask = document_batch(docs, rng, a.batch, c.context, tok.eot)
            logits = model(window[:, :-1])
            per_token = F.cross_entropy(logits.reshape(-1, c.vocab), window[:, 1:].reshape(-1), reduction="none").view(mask.shape) * mask
            loss = per_token.sum() / mask.sum()
            per_example = [(docs[i][0], round(v, 5)) for i, v in zip(picked, (per_token.sum(1) / mask.sum(1)).tolist())]
            logging = a.log_steps is None or step < a.log_steps
            if log and logging:
                log.write("".join(json.dumps({"step": step, "id": i, "loss": v}) + "\n" for i, v in per_example))
            for other in others if logging else []:
                other.log(step, per_example, loss.item())
        else:
            starts = torch.from_numpy(rng.integers(0, len(stream) - c.context - 1, a.batch))
            window = torch.stack([data[s: s + c.context + 1] for s in starts])
            logits = model(window[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, c.vocab), window[:, 1:].reshape(-1))
        optimise(model, optimiser, loss, lr_at(step, a.steps, a.lr, 50))
        if step % 50 == 0 or step == a.steps - 1:
            print(f"step {step} loss {loss.item():.3f} {time.time() - started:.0f}s", flush=True)
    for opened in ([log] if log else []) + others:
        opened.close()
    gguf.write(a.out, metadata(a.name, c, tok), model.tensors())
    with open(a.out + ".json", "w", encoding="utf-8") as f:
        json.dump(describe(a, c, model, tok, loss.item()), f, indent=2, ensure_ascii=False)
    print(f"wrote {a.out} ({os.path.getsize(a.out)} bytes)")


CHECK_TEXT = "The quick brown fox jumps over the lazy dog, and then"


def describe(a, c, model, tok, loss):
    """What the model is and how it was made, with torch's own next-token
    probabilities for a check text, so a test can hold llama.cpp to them."""
    with open(a.corpus, "rb") as f:
        corpus_sha256 = hashlib.sha256(f.read()).hexdigest()
    ids = [tok.eot] + tok.encode(CHECK_TEXT)
    with torch.no_grad():
        probs = model(torch.tensor([ids]))[0, -1].softmax(-1)
    top = probs.topk(5)
    return {
        "name": a.name,
        "corpus": os.path.basename(a.corpus),
        "corpus_sha256": corpus_sha256,
        "config": {"vocab": c.vocab, "embd": c.embd, "layers": c.layers, "heads": c.heads, "ff": c.ff, "context": c.context},
        "training": {"steps": a.steps, "batch": a.batch, "lr": a.lr, "seed": a.seed, "final_loss": round(loss, 4)},
        "check": {"text": CHECK_TEXT, "ids": ids, "top": [[int(i), float(p)] for p, i in zip(top.values, top.indices)]},
    }


if __name__ == "__main__":
    main()
