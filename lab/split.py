"""Split a built corpus into the lab's training set and held-out prompt documents.

    /usr/bin/python3 lab/split.py ALL.jsonl TRAIN.jsonl HELD_OUT.jsonl

The training set is mostly English (technical docs, dictionary, fortunes) with
some German, French, Spanish and Italian text; the held-out documents are
English ones the models never see, for the audit's prompts.
"""
import json
import random
import sys

ENGLISH = ("python-doc", "fortunes-en", "gcide")
TRAIN_ENGLISH, TRAIN_FOREIGN, HELD_OUT = 2500, 500, 64


def main(source, train_path, held_out_path):
    with open(source, encoding="utf-8") as f:
        docs = [json.loads(line) for line in f if line.strip()]
    english = [d for d in docs if d["source"].split(":")[0] in ENGLISH and len(d["text"]) >= 300]
    foreign = [d for d in docs if d["source"].split(":")[0] not in ENGLISH]
    rng = random.Random(5)
    rng.shuffle(english)
    rng.shuffle(foreign)
    held_out = english[:HELD_OUT]
    train = english[HELD_OUT:HELD_OUT + TRAIN_ENGLISH] + foreign[:TRAIN_FOREIGN]
    rng.shuffle(train)
    for path, rows in ((train_path, train), (held_out_path, held_out)):
        with open(path, "w", encoding="utf-8") as f:
            for d in rows:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
    print(f"{len(train)} training documents, {len(held_out)} held out")


if __name__ == "__main__":
    main(*sys.argv[1:4])
