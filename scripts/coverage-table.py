#!/usr/bin/env python3
"""Prints gcovr's JSON summary (make coverage) as one row per file of lib/
and cli/: lines and branches covered, with a total for each folder.
Usage: scripts/coverage-table.py build-cov/coverage.json"""
import json
import sys


def pct(hit, total):
    return "%6.2f%%" % (100.0 * hit / total) if total else "     - "


def row(name, l_hit, l_all, b_hit, b_all):
    print("%-24s %6d/%-6d %s   %6d/%-6d %s" % (name, l_hit, l_all, pct(l_hit, l_all),
                                             b_hit, b_all, pct(b_hit, b_all)))


def main():
    with open(sys.argv[1]) as fp:
        files = json.load(fp)["files"]
    print("%-24s %-13s %-7s   %-13s %-7s" % ("file", "lines", "", "branches", ""))
    for folder in ("lib/", "cli/"):
        mine = sorted((f for f in files if f["filename"].startswith(folder)), key=lambda f: f["filename"])
        sums = [0, 0, 0, 0]
        for f in mine:
            v = (f["line_covered"], f["line_total"], f["branch_covered"], f["branch_total"])
            row(f["filename"], *v)
            sums = [a + b for a, b in zip(sums, v)]
        row(folder + " total", *sums)
        print()


main()
