#!/usr/bin/env python3
"""The slow path ends of a netlist kept by ZKACCEL_YOSYS_KEEP, one line per end.

    ZKACCEL_YOSYS_KEEP=/tmp/keep zkaccel hdl fit --part xcvu47p
    scripts/slow-paths.py /tmp/keep/top.netlist.json top [bound_ns] [count]

The same model as the fit report's timing proxy (host/src/yosys.rs,
host/src/netlist_path.rs): 0.6 ns per path plus 0.45 per LUT level, 0.06 per CARRY4,
0.15 per MUXF; the report gives the slowest path only, this lists every path end over
the bound (default 4.0 ns), slowest first, one per (start, end) pair of net names.
"""
import collections
import json
import sys

BASE, LUT, CARRY, MUXF = 0.6, 0.45, 0.06, 0.15


def kind(cell_type):
    if cell_type.startswith("LUT") or cell_type == "INV":
        return ("LUT", LUT)
    if cell_type.startswith("CARRY"):
        return ("CARRY", CARRY)
    if cell_type.startswith("MUXF"):
        return ("MUXF", MUXF)
    return None


def main():
    path, top = sys.argv[1], sys.argv[2]
    bound = float(sys.argv[3]) if len(sys.argv) > 3 else 4.0
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    module = json.load(open(path))["modules"][top]
    names = {}
    for name, net in module["netnames"].items():
        for i, bit in enumerate(net["bits"]):
            if isinstance(bit, int):
                label = name + (f"[{i}]" if len(net["bits"]) > 1 else "")
                if bit not in names or (names[bit].startswith("$") and not name.startswith("$")):
                    names[bit] = label
    nodes = []
    for cell in module["cells"].values():
        k = kind(cell["type"])
        if not k:
            continue
        ins, outs = [], []
        for port, bits in cell["connections"].items():
            nets = [b for b in bits if isinstance(b, int)]
            (outs if cell["port_directions"].get(port) == "output" else ins).extend(nets)
        nodes.append((k, ins, outs))
    driver = {b: i for i, (_, _, outs) in enumerate(nodes) for b in outs}
    read = collections.Counter(driver[b] for _, ins, _ in nodes for b in ins if b in driver)
    # Topological order (iterative depth-first search).
    order, seen = [], [False] * len(nodes)
    for root in range(len(nodes)):
        if seen[root]:
            continue
        stack, seen[root] = [(root, 0)], True
        while stack:
            i, k = stack[-1]
            if k < len(nodes[i][1]):
                stack[-1] = (i, k + 1)
                d = driver.get(nodes[i][1][k])
                if d is not None and not seen[d]:
                    seen[d] = True
                    stack.append((d, 0))
            else:
                stack.pop()
                order.append(i)
    arrival, pred = [0.0] * len(nodes), [None] * len(nodes)
    for i in order:
        for b in nodes[i][1]:
            d = driver.get(b)
            if d is not None and (pred[i] is None or arrival[d] > arrival[pred[i]]):
                pred[i] = d
        arrival[i] = (arrival[pred[i]] if pred[i] is not None else 0.0) + nodes[i][0][1]
    shown = set()
    for i in sorted((i for i in range(len(nodes)) if read[i] == 0), key=lambda i: -arrival[i]):
        if arrival[i] + BASE < bound or len(shown) >= count:
            break
        cells, j = collections.Counter(), i
        while True:
            cells[nodes[j][0][0]] += 1
            if pred[j] is None:
                break
            j = pred[j]
        start = next((names.get(b, str(b)) for b in nodes[j][1] if b not in driver), "?")
        end = names.get(nodes[i][2][0], "?") if nodes[i][2] else "?"
        key = (start.split("[")[0], end.split("[")[0])
        if key in shown:
            continue
        shown.add(key)
        cells_text = " + ".join(f"{n} {k}" for k, n in cells.items())
        print(f"{arrival[i] + BASE:5.2f} ns  {cells_text:28s} {start} -> {end}")


if __name__ == "__main__":
    main()
