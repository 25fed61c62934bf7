#!/usr/bin/env python3
"""tbprof report: per-world instruction totals and the top functions of each world, for one or two tbprof
outputs (e.g. Linux KVM and keel side by side). Symbols: the kernel's System.map (host and guest kernel),
keel.elf (nm), shim.ko (nm; its load address is inferred from where the hottest module blocks start).

report.py --map System.map [--keel keel.elf] [--shim shim.ko] [--top N] [--phase window] NAME=OUT ...
"""
import argparse
import bisect
import collections
import subprocess

WORLDS = ["keel", "hkern", "hmod", "gkern", "user", "low", "early"]


class Symbols:
    def __init__(self, pairs):
        self.pairs = sorted(pairs)
        self.addrs = [a for a, _ in self.pairs]

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.pairs[i][1] if i >= 0 else "?"


def system_map(path):
    out = []
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) == 3 and p[1] in "tTwW":
                out.append((int(p[0], 16), p[2]))
    return out


def nm_text(path):
    res = subprocess.run(["nm", "-n", "--defined-only", path], capture_output=True, text=True, check=True)
    out = []
    for line in res.stdout.splitlines():
        p = line.split()
        if len(p) == 3 and p[1] in "tT":
            out.append((int(p[0], 16), p[2]))
    return out


def ko_text(path):
    """A module's .text symbols, offsets from the section's start (objdump -t)."""
    res = subprocess.run(["objdump", "-t", path], capture_output=True, text=True, check=True)
    out = []
    for line in res.stdout.splitlines():
        p = line.split()
        if len(p) >= 6 and p[-3] == ".text" and "F" in p[1:-3]:
            out.append((int(p[0], 16), p[-1]))
    return out


def read_out(path):
    """{phase: {"totals": {world: n}, "tbs": [(world, va, insns)]}} from a tbprof output file."""
    snaps, tbs = {}, collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            p = line.split()
            if not p:
                continue
            if p[0] == "@":
                snaps[p[1]] = {k: int(v) for k, v in (x.split("=") for x in p[2:])}
            elif p[0] == "T":
                tbs[p[1]].append((p[2], int(p[3], 16), int(p[6])))
    phases = {}
    bounds = {"before": (None, "start"), "window": ("start", "end"), "after": ("end", "exit")}
    for phase, (a, b) in bounds.items():
        if b in snaps:
            lo = snaps.get(a, {}) if a else {}
            phases[phase] = {"totals": {w: snaps[b].get(w, 0) - lo.get(w, 0) for w in WORLDS + ["total"]},
                             "tbs": tbs.get(phase, [])}
    return phases


def shim_base(tbs, syms):
    """The shim's .text address: the page-aligned base most of the hottest module blocks start a function at."""
    starts = [va for world, va, _ in sorted(tbs, key=lambda t: -t[2]) if world == "hmod"][:200]
    votes = collections.Counter()
    for va in starts:
        for off, _ in syms:
            base = va - off
            if base % 4096 == 0:
                votes[base] += 1
    return votes.most_common(1)[0][0] if votes else None


def functions(tbs, world, syms):
    agg = collections.Counter()
    for w, va, insns in tbs:
        if w == world:
            agg[syms.name(va) if syms else "%x" % (va & ~0xfff)] += insns
    return agg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--map", required=True)
    ap.add_argument("--keel")
    ap.add_argument("--shim")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--phase", default="window")
    ap.add_argument("runs", nargs="+", help="NAME=tbprof output")
    a = ap.parse_args()

    kernel = Symbols(system_map(a.map))
    keel = Symbols(nm_text(a.keel)) if a.keel else None
    shim_syms = ko_text(a.shim) if a.shim else []
    runs = []
    for r in a.runs:
        name, path = r.split("=", 1)
        ph = read_out(path).get(a.phase)
        if not ph:
            print(f"tbprof: {name}: no '{a.phase}' phase in {path} (did the window end?)")
            continue
        runs.append((name, ph))
    if not runs:
        return 1

    print(f"tbprof: instructions in the '{a.phase}' phase by world (M)")
    print("  %-8s" % "world" + "".join("%12s" % n for n, _ in runs))
    for w in WORLDS + ["total"]:
        print("  %-8s" % w + "".join("%12.1f" % (ph["totals"][w] / 1e6) for _, ph in runs))
    for name, ph in runs:
        base = shim_base(ph["tbs"], shim_syms) if shim_syms else None
        shim = Symbols([(base + off, s) for off, s in shim_syms]) if base is not None else None
        syms = {"keel": keel, "hkern": kernel, "gkern": kernel, "hmod": shim}
        for w in WORLDS:
            agg = functions(ph["tbs"], w, syms.get(w))
            if not agg:
                continue
            print(f"\n  {name} {w}: top functions (M instructions)")
            for fn, n in agg.most_common(a.top):
                print(f"    {n / 1e6:9.2f}  {fn}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
