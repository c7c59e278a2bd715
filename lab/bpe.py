"""Byte-level BPE, the kind llama.cpp runs for `tokenizer.ggml.model = gpt2`.

Training counts the words of the GPT-2 pre-tokenizer (the regex llama.cpp
applies for `tokenizer.ggml.pre = gpt-2`) and merges the most frequent pair
until the vocabulary is full. Encoding applies merges by rank, as llama.cpp
does, so the token ids the lab trains on are the ids node-llama-cpp feeds the
model at audit time.
"""
import collections
import json

import regex

GPT2_SPLIT = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")
END_OF_TEXT = "<|endoftext|>"


def bytes_to_unicode():
    """GPT-2's map from bytes to printable characters (token strings use it)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    chars = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            chars.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(printable, chars)}


BYTE_CHARS = bytes_to_unicode()


def words(text):
    for piece in GPT2_SPLIT.findall(text):
        yield "".join(BYTE_CHARS[b] for b in piece.encode("utf-8"))


def train(texts, vocab_size):
    """Merges learnt from `texts` until byte tokens + merges + <|endoftext|> fill `vocab_size`."""
    counts = collections.Counter()
    for text in texts:
        counts.update(words(text))
    vocab_words = [list(w) for w in counts]
    freqs = [counts[w] for w in counts]
    pairs = collections.Counter()
    where = collections.defaultdict(set)
    for i, symbols in enumerate(vocab_words):
        for pair in zip(symbols, symbols[1:]):
            pairs[pair] += freqs[i]
            where[pair].add(i)
    merges = []
    while 256 + len(merges) + 1 < vocab_size and pairs:
        # ties broken by the pair itself, so a build is reproducible
        best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
        if pairs[best] < 2:
            break
        merges.append(best)
        joined = best[0] + best[1]
        for i in list(where[best]):
            symbols = vocab_words[i]
            for pair in zip(symbols, symbols[1:]):
                pairs[pair] -= freqs[i]
                if pairs[pair] <= 0:
                    del pairs[pair]
            merged = []
            j = 0
            while j < len(symbols):
                if j + 1 < len(symbols) and symbols[j] == best[0] and symbols[j + 1] == best[1]:
                    merged.append(joined)
                    j += 2
                else:
                    merged.append(symbols[j])
                    j += 1
            vocab_words[i] = merged
            for pair in zip(merged, merged[1:]):
                pairs[pair] += freqs[i]
                where[pair].add(i)
        del where[best]
    return merges


class Tokenizer:
    def __init__(self, merges):
        self.merges = [tuple(m) for m in merges]
        self.tokens = [BYTE_CHARS[b] for b in range(256)] + [a + b for a, b in self.merges] + [END_OF_TEXT]
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.ranks = {m: r for r, m in enumerate(self.merges)}
        self.eot = self.ids[END_OF_TEXT]
        self.cache = {}

    @classmethod
    def load(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls([m.split(" ") for m in json.load(f)["merges"]])

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"merges": [a + " " + b for a, b in self.merges]}, f, ensure_ascii=False)

    def encode_word(self, word):
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        symbols = list(word)
        while len(symbols) > 1:
            ranked = [(self.ranks.get(p, 1 << 30), k) for k, p in enumerate(zip(symbols, symbols[1:]))]
            rank, k = min(ranked)
            if rank == 1 << 30:
                break
            symbols[k:k + 2] = [symbols[k] + symbols[k + 1]]
        ids = [self.ids[s] for s in symbols]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        out = []
        for w in words(text):
            out.extend(self.encode_word(w))
        return out
