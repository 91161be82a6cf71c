#!/usr/bin/env python3
"""Checks that every `path:function` a doc names still exists.

docs/walkthrough.md follows one interrupt and one offer through the code,
file by file and function by function. Each step is written as
`path/to/file.c:function`; this script fails (exit 1) naming every step
whose file is gone or no longer defines that function, so the page cannot
drift from the code unnoticed. Usage: check_doc_refs.py DOC...
"""
import os
import re
import sys

REF = re.compile(r"`([A-Za-z0-9_./-]+\.(?:c|h|asm|S)):([A-Za-z_][A-Za-z0-9_]*)(?:\(\))?`")


def defines(path, name):
    """True if `path` defines `name`: a C function, macro or struct, or an asm label."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    # Attributes carry parentheses of their own: drop them before matching.
    text = re.sub(r"__attribute__\s*\(\(.*?\)\)", "", text)
    if path.endswith((".asm", ".S")):
        return re.search(rf"^\s*{name}:", text, re.M) is not None
    # A function definition: the name at the start of a declarator, an open
    # parenthesis, and a body (not a ';') after the closing one.
    func = re.compile(rf"^[A-Za-z_][^;{{}}()]*\b{name}\s*\(([^;{{}}]*?)\)\s*(?:__attribute__\s*\(\(.*?\)\)\s*)?\{{",
                      re.M | re.S)
    if func.search(text):
        return True
    return re.search(rf"^#define\s+{name}\b|^struct\s+{name}\s*\{{", text, re.M) is not None


def main(docs):
    refs = 0
    bad = []
    for doc in docs:
        with open(doc, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                for path, name in REF.findall(line):
                    refs += 1
                    if not os.path.isfile(path):
                        bad.append(f"{doc}:{lineno}: {path} does not exist (named with {name})")
                    elif not defines(path, name):
                        bad.append(f"{doc}:{lineno}: {path} defines no {name}")
    for b in bad:
        print(b)
    if refs == 0:
        print(f"{' '.join(docs)}: no `file:function` references found")
        return 1
    print(f"{refs} file:function references checked, {len(bad)} broken")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
