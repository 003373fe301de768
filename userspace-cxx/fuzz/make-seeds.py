#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the hand-made part of the seed corpus of pmm_fuzz (see pmm_fuzz.cpp
for the input format). The rest of corpus/ was grown from these by running
the fuzzer and minimised with -merge=1."""
import os
import random
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
os.makedirs(out, exist_ok=True)


def alloc(pages, order=0, inject=False):
    # small sizes are 1 + (sz & 0xff); bit 15 selects "1 + sz % total"
    assert 1 <= pages <= 256
    return bytes([0, (pages - 1) & 0xff, 0, order | (0x80 if inject else 0)])


def free(pick):
    return bytes([4, pick & 0xff])


SWITCH = bytes([7])


def write(name, data):
    with open(os.path.join(out, "seed-" + name), "wb") as f:
        f.write(data)


for layout in range(3):
    for policy in range(2):
        head = bytes([policy | layout << 1])
        tag = "l%d-p%d" % (layout, policy)
        # fill with 16-page blocks, then free in an order that coalesces both ways
        fill = b"".join(alloc(16) for _ in range(10))
        frees = b"".join(free(p) for p in (1, 3, 0, 2, 0, 0, 0, 0, 0, 0))
        write(tag + "-fill-free", head + fill + frees)
        # aligned requests of every order
        write(tag + "-orders", head + b"".join(alloc(1 + k, k) for k in range(13)))
        # exact fits, exhaustion and a policy switch in the middle
        write(tag + "-exhaust", head + b"".join(alloc(64) for _ in range(8)) + SWITCH +
              b"".join(free(i * 3) for i in range(8)) + b"".join(alloc(200) for _ in range(4)))
        # injected node failures between ordinary requests
        write(tag + "-inject", head + b"".join(alloc(5 + i, i % 4, inject=i % 2 == 0) for i in range(12)))

rng = random.Random(4)
for i in range(8):
    write("random-%d" % i, bytes(rng.randrange(256) for _ in range(rng.randrange(64, 1024))))
