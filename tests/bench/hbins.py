#!/usr/bin/env python3
"""The hive bin layout of a hive, for tests/bench/run.sh.

usage: hbins.py [--strict] HIVE

Prints one line: the number of hive bins, how many of each size, and how many
of the bins larger than 4 KB hold no cell that needs more than 4 KB. Windows
writes 4 KB bins and, now and then, bins of a few pages; a hive of one giant
bin (libregf's bin lookups are slow on it) is nothing like a real one.
Exit 1 when the file is not a well-formed run of hive bins and, with
--strict (how hh-mkhive must write hives), when a bin larger than 4 KB holds
no cell that needs it.
"""
import struct
import sys

BASE_BLOCK = 4096
HBIN_HEADER = 32
PAGE = 4096


def main():
    strict = sys.argv[1:2] == ["--strict"]
    with open(sys.argv[-1], "rb") as f:
        data = f.read()
    if len(data) < BASE_BLOCK or data[:4] != b"regf":
        print("not a regf hive")
        return 1
    size = struct.unpack_from("<I", data, 40)[0]
    end = min(BASE_BLOCK + size, len(data))
    off, sizes, oversized = BASE_BLOCK, {}, 0
    while off + HBIN_HEADER <= end:
        if data[off:off + 4] != b"hbin":
            print(f"damaged: no hbin signature at offset {off}")
            return 1
        bin_size = struct.unpack_from("<I", data, off + 8)[0]
        if bin_size < PAGE or bin_size % PAGE or off + bin_size > end:
            print(f"damaged: a bin of {bin_size} bytes at offset {off}")
            return 1
        sizes[bin_size] = sizes.get(bin_size, 0) + 1
        if bin_size > PAGE:
            # The largest cell in the bin must need more than one page.
            cell, largest = off + HBIN_HEADER, 0
            while cell + 4 <= off + bin_size:
                n = abs(struct.unpack_from("<i", data, cell)[0])
                if n < 8 or cell + n > off + bin_size:
                    break
                largest = max(largest, n)
                cell += n
            if largest <= PAGE - HBIN_HEADER:
                oversized += 1
        off += bin_size
    parts = ", ".join(f"{n} x {s // 1024} KB" for s, n in sorted(sizes.items()))
    larger = sum(n for s, n in sizes.items() if s > PAGE)
    verdict = (f"{larger - oversized} of {larger} larger bins hold a cell over 4 KB"
               if larger else "no larger bin")
    print(f"{sum(sizes.values())} bins ({parts}); {verdict}")
    return 1 if strict and oversized else 0


if __name__ == "__main__":
    sys.exit(main())
