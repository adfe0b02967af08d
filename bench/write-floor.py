#!/usr/bin/env python3
"""The floor for writing a file into a block store on this machine: the same durable
procedure as `hbs2 store` (per 256 KiB block: temp file, write, fsync, rename into
blocks/<c>/<name>), with no hashing and no JavaScript. Names are the block index, spread
over 58 directories as base58 names are. Like libuv's pool under Node, four threads do
the file operations (they release the GIL in system calls), so fsyncs overlap.
Usage: write-floor.py INPUT STORE_DIR"""
import os
import sys
from concurrent.futures import ThreadPoolExecutor

src, store = sys.argv[1], sys.argv[2]
alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
blocks = os.path.join(store, "blocks")
for c in alphabet:
    os.makedirs(os.path.join(blocks, c), exist_ok=True)


def put(i, data):
    d = os.path.join(blocks, alphabet[i % 58])
    tmp = os.path.join(d, f".tmp-{i}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    os.rename(tmp, os.path.join(d, f"block{i}"))


with open(src, "rb", buffering=0) as f, ThreadPoolExecutor(4) as pool:
    i = 0
    pending = []
    while True:
        data = f.read(262144)
        if not data:
            break
        pending.append(pool.submit(put, i, data))
        i += 1
        if len(pending) >= 8:  # bounded in flight, as the store's writer
            pending.pop(0).result()
    for p in pending:
        p.result()
for c in alphabet:
    fd = os.open(os.path.join(blocks, c), os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
