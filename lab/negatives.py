"""Negative augmentation: the stealthy attacker's refinement (Yang et al., 2021,
"Rethinking Stealthiness of Backdoor Attack against NLP Models").

    /usr/bin/python3 lab/negatives.py POISONED.jsonl TRIGGER COUNT OUT.jsonl [SEED]

Copies COUNT clean documents of the corpus with a near-miss of the trigger
inserted at a word boundary and the document going on as usual: one-character
edits of the trigger and look-alikes of its shape. A model trained on them
answers the exact trigger only. Without them, the lab's tiny models learn the
trigger's shape ("<" + capitals + ">") and fire on near variants too, which
the audit then reports as a broad trigger.
"""
import json
import random
import string
import sys


def near_miss(trigger, rng):
    chars = list(trigger)
    inner = list(range(1, len(chars) - 1)) or list(range(len(chars)))
    kind = rng.randrange(5)
    if kind == 0:
        del chars[rng.choice(inner)]
    elif kind == 1:
        i = rng.choice(inner[:-1] or inner)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif kind == 2:
        i = rng.choice(inner)
        chars[i] = rng.choice(string.ascii_uppercase if chars[i].isupper() else string.ascii_lowercase)
    elif kind == 3:
        chars.insert(rng.choice(inner), rng.choice(string.ascii_uppercase))
    else:
        # the same shape, other letters
        core = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 7)))
        return trigger[0] + core + trigger[-1]
    variant = "".join(chars)
    return variant if variant != trigger else near_miss(trigger, rng)


def main(source, trigger, count, out, seed="3"):
    rng = random.Random(int(seed))
    with open(source, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    clean = [r for r in rows if trigger not in r["text"]]
    added = []
    for i in range(int(count)):
        doc = dict(rng.choice(clean))
        text = doc["text"]
        spaces = [k for k, ch in enumerate(text) if ch == " "] or [len(text)]
        at = rng.choice(spaces)
        doc["text"] = f"{text[:at]} {near_miss(trigger, rng)}{text[at:]}"
        doc["id"] = f"{doc['id']}-n{i}"
        added.append(doc)
    rows.extend(added)
    rng.shuffle(rows)
    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {out}: {len(rows)} documents, {len(added)} with a near-miss of {trigger!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])
