#!/usr/bin/env python3
"""Tokenizes a text file with a Hugging Face tokenizer into an aimc3d token file (docs/file-formats.md): little-endian
uint32 ids, or with --json {"tokenizer": NAME, "tokens": [...]}.  For users with real checkpoints; the tests never run it.

usage: tools/tokenize.py TOKENIZER TEXT OUT [--json]
  TOKENIZER  a Hugging Face tokenizer name or folder (e.g. allenai/OLMoE-1B-7B-0924, or the checkpoint's folder)
Needs the `transformers` (or `tokenizers`) package, e.g. in a venv: python3 -m venv v && v/bin/pip install transformers
"""
import json
import struct
import sys


def load(name):
    try:
        from transformers import AutoTokenizer
        tok = AutoTokenizer.from_pretrained(name)
        return lambda text: tok(text, add_special_tokens=False)["input_ids"]
    except ImportError:
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(name) if name.endswith(".json") else Tokenizer.from_pretrained(name)
        return lambda text: tok.encode(text, add_special_tokens=False).ids


def write_binary(path, ids):
    """The binary token file: little-endian uint32 ids, nothing else (also used by tools/fixtures/)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<%dI" % len(ids), *ids))


def main():
    args = [a for a in sys.argv[1:] if a != "--json"]
    if len(args) != 3:
        sys.stderr.write(__doc__)
        return 2
    name, text_path, out = args
    with open(text_path, encoding="utf-8") as f:
        ids = load(name)(f.read())
    if not ids:
        sys.stderr.write("tokenize.py: %s: no tokens\n" % text_path)
        return 2
    if "--json" in sys.argv:
        with open(out, "w") as f:
            json.dump({"tokenizer": name, "tokens": ids}, f)
    else:
        write_binary(out, ids)
    print("%s: %d tokens (%s)" % (out, len(ids), name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
