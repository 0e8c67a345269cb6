#!/usr/bin/env python3
"""Replace modules of a generated Verilog file by black-box declarations, so yosys can
estimate the rest of a design (the card's control logic and memories) without
synthesising the large multipliers, whose figures are measured separately.

usage: blackbox.py IN.v OUT.v MODULE [MODULE ...]

Each MODULE keeps its header and port declarations under (* blackbox *); its body and
its child modules (MODULE$...) are dropped.
"""
import re
import sys


def main():
    src, dst, names = sys.argv[1], sys.argv[2], set(sys.argv[3:])
    out, keep, in_box = [], True, False
    for line in open(src).read().splitlines():
        m = re.match(r"\s*module\s+([\w$]+)\s*\(", line)
        if m:
            name = m.group(1)
            base = name.split("$")[0]
            in_box = name in names
            keep = base not in names or in_box
            if in_box:
                out.append("(* blackbox *)")
            if keep:
                out.append(line)
            continue
        if line.strip().startswith("endmodule"):
            if keep:
                out.append(line)
            keep, in_box = True, False
            continue
        if not keep:
            continue
        if in_box:
            if re.match(r"\s*(input|output)\b", line):
                out.append(line)
            continue
        out.append(line)
    open(dst, "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
