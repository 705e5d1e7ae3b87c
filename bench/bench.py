#!/usr/bin/python3
"""rootpin's benchmark harness (Debian python3 only, no pip).

A scenario is a module in bench/scenarios/ with NAME, DESCRIPTION and
prepare(ctx) -> Comparison. The harness runs side A and side B with hyperfine in
alternating rounds (A B A B ...), so that drift of the machine (other load, thermal,
page cache) hits both sides alike, merges the runs of each side, and reports medians,
min-max and the ratio B/A. Results go to bench/results/<scenario>.json with the
machine's facts; --compare checks them against bench/baselines/<scenario>.json.
"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(BENCH_DIR)
sys.path.insert(0, BENCH_DIR)

from scenario_api import Check, Context  # noqa: E402  (after sys.path is set)

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
from conftest import remove_tree  # noqa: E402  (chattr -i, umount, rm -rf: as the tests do)
import private_shm  # noqa: E402  (tests/integration/lib, on the path conftest set)

# Below this relative change a ratio difference is noise, whatever the spread says.
MIN_NOISE = 0.10


def discover():
    """Scenario name -> module, one module per file in bench/scenarios/."""
    found = {}
    scen_dir = os.path.join(BENCH_DIR, "scenarios")
    for fname in sorted(os.listdir(scen_dir)):
        if not fname.endswith(".py") or fname.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"scenarios.{fname[:-3]}",
                                                      os.path.join(scen_dir, fname))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        found[mod.NAME] = mod
    return found


def first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.strip().splitlines()[0] if out.strip() else None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def ostree_version():
    out = subprocess.run(["ostree", "--version"], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if "Version:" in line:
            return line.split(":", 1)[1].strip().strip("'")
    return None


def storage_driver():
    """From storage.conf, never `podman info` (that would touch the machine's store)."""
    for path in ("/etc/containers/storage.conf", "/usr/share/containers/storage.conf"):
        try:
            with open(path) as f:
                for line in f:
                    key, _, value = line.partition("=")
                    if key.strip() == "driver":
                        return value.strip().strip('"')
        except OSError:
            continue
    return "overlay (podman's default)"


def environment(ctx):
    rootpin = None
    if ctx.rootpin_bin and os.access(ctx.rootpin_bin, os.X_OK):
        rootpin = first_line([ctx.rootpin_bin, "--version"])
    git = first_line(["git", "-C", SOURCE_DIR, "describe", "--always", "--dirty"])
    return {
        "kernel": platform.release(),
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "podman": first_line(["podman", "--version"]),
        "ostree": ostree_version(),
        "rootpin": rootpin,
        "git": git,
        "storage_driver": storage_driver(),
        "hyperfine": first_line(["hyperfine", "--version"]),
        "tmp_filesystem": first_line(["stat", "-f", "-c", "%T", ctx.tmp]),
        # The machine may be shared: a skeptic wants to know how busy it was.
        "load_average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def hyperfine_times(side, runs, warmup, workdir):
    out = os.path.join(workdir, "hyperfine.json")
    argv = ["hyperfine", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
            "--export-json", out]
    if side.prepare:
        argv += ["--prepare", side.prepare]
    subprocess.run(argv + [side.command], check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)["results"][0]["times"]


def summary(times):
    med = statistics.median(times)
    mad = statistics.median(abs(t - med) for t in times)
    return {"median": med, "min": min(times), "max": max(times), "mad": mad, "n": len(times)}


def evaluate(comp, result):
    """The figures (counted + timing + derived) and every check against them."""
    figures = dict(comp.figures)
    figures.update(ratio=result["ratio"], a_median_ms=result["a"]["median"] * 1000,
                   b_median_ms=result["b"]["median"] * 1000,
                   b_minus_a_ms=(result["b"]["median"] - result["a"]["median"]) * 1000)
    if comp.derive:
        figures.update(comp.derive(figures))
    checks = list(comp.checks)
    if comp.target_ratio is not None:
        checks.append(Check("ratio", comp.target_ratio, label=f"ratio <= {comp.target_ratio}x"))
    verdicts = [{"target": c.label or f"{c.figure} {c.op} {c.limit}", "figure": c.figure,
                 "op": c.op, "limit": c.limit, "value": figures.get(c.figure),
                 "met": c.holds(figures.get(c.figure))} for c in checks]
    return figures, verdicts


def run_comparison(comp, rounds, runs, warmup, workdir):
    rounds = comp.rounds or rounds
    runs = comp.runs or runs
    warmup = comp.warmup if comp.warmup is not None else warmup
    times = {"a": [], "b": []}
    for r in range(rounds):
        for side, spec in (("a", comp.a), ("b", comp.b)):
            # Warm up only in the first round: later rounds start warm anyway.
            times[side] += hyperfine_times(spec, runs, warmup if r == 0 else min(warmup, 1),
                                           workdir)
        print(f"  round {r + 1}/{rounds} done", file=sys.stderr)
    result = {"rounds": rounds, "runs_per_round": runs}
    for side, spec in (("a", comp.a), ("b", comp.b)):
        result[side] = {"name": spec.name, "command": spec.display or spec.command,
                        **summary(times[side])}
    a_median = result["a"]["median"]
    result["ratio"] = result["b"]["median"] / a_median if a_median > 0 else float("inf")
    result["target_ratio"] = comp.target_ratio
    result["figures"], result["checks"] = evaluate(comp, result)
    result["meets_target"] = all(c["met"] for c in result["checks"])
    return result


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def fmt_value(v):
    return f"{v:.2f}" if isinstance(v, float) else str(v)


def print_result(label, res):
    print(f"  [{label}]" if label else "", end="\n" if label else "")
    for side in ("a", "b"):
        s = res[side]
        print(f"  {side.upper()} {s['name']:<28} median {ms(s['median']):>10}  "
              f"min-max {ms(s['min'])} - {ms(s['max'])}  (n={s['n']})")
    print(f"  ratio B/A {res['ratio']:.2f}x")
    timing = {"ratio", "a_median_ms", "b_median_ms", "b_minus_a_ms"}
    counted = {k: v for k, v in res["figures"].items() if k not in timing}
    if counted:
        print("  " + ", ".join(f"{k} {fmt_value(v)}" for k, v in counted.items()))
    for c in res["checks"]:
        print(f"  target {c['target']}: {fmt_value(c['value'])} "
              f"{'met' if c['met'] else 'MISSED'}")


def noise(res):
    """Relative noise of a ratio from both sides' spread (MAD), at least MIN_NOISE."""
    rel = [res[s]["mad"] / res[s]["median"] for s in ("a", "b") if res[s]["median"] > 0]
    return max(MIN_NOISE, 3 * (sum(x * x for x in rel) ** 0.5))


def baseline_results(record):
    """{variant: result} of a recorded run (older records hold one "result")."""
    if "results" in record:
        return {r["variant"]: r["result"] for r in record["results"]}
    return {"": record["result"]}


def compare(name, variant, res):
    """Says what got slower (ratio beyond the noise) or counts more (podman runs, requests,
    fsyncs: exact figures, so any increase) than the committed baseline."""
    path = os.path.join(BENCH_DIR, "baselines", f"{name}.json")
    if not os.path.exists(path):
        print(f"  no baseline {os.path.relpath(path, SOURCE_DIR)}")
        return True
    with open(path) as f:
        base = baseline_results(json.load(f)).get(variant)
    if base is None:
        print(f"  no baseline for variant '{variant}' in {os.path.relpath(path, SOURCE_DIR)}")
        return True
    threshold = max(noise(res), noise(base))
    change = res["ratio"] / base["ratio"] - 1
    regressed = change > threshold
    print(f"  baseline ratio {base['ratio']:.2f}x, now {res['ratio']:.2f}x "
          f"({change:+.0%}; noise {threshold:.0%}): {'REGRESSION' if regressed else 'ok'}")
    b_change = res["b"]["median"] / base["b"]["median"] - 1
    print(f"  B median {ms(base['b']['median'])} -> {ms(res['b']['median'])} ({b_change:+.0%}, "
          "machine-dependent, for information)")
    for key, old in base.get("figures", {}).items():
        new = res["figures"].get(key)
        if key.startswith("b_") and isinstance(old, int) and isinstance(new, int) and new > old:
            print(f"  {key}: {old} -> {new}: REGRESSION")
            regressed = True
    return not regressed


def prepared(mod, ctx):
    comps = mod.prepare(ctx)
    comps = comps if isinstance(comps, list) else [comps]
    if len({c.variant for c in comps}) != len(comps):
        raise SystemExit(f"{mod.NAME}: comparisons need distinct variants")
    return comps


def cleanup_all(comps):
    done = set()
    for comp in comps:
        if comp.cleanup and id(comp.cleanup) not in done:
            done.add(id(comp.cleanup))
            comp.cleanup()


def main():
    scenarios = discover()
    ap = argparse.ArgumentParser(prog="tools/bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="*", help=f"default: all of {', '.join(scenarios)}")
    ap.add_argument("--compare", action="store_true",
                    help="rerun and say what got slower than bench/baselines/")
    ap.add_argument("--save-baseline", action="store_true",
                    help="also write the result as bench/baselines/<scenario>.json")
    ap.add_argument("--rounds", type=int, default=5, help="alternating A/B rounds (5)")
    ap.add_argument("--runs", type=int, default=4, help="runs per side per round (4)")
    ap.add_argument("--warmup", type=int, default=3, help="warm-up runs in round 1 (3)")
    ap.add_argument("--build-dir", default=os.environ.get("ROOTPIN_BUILD_DIR",
                                                         os.path.join(SOURCE_DIR, "build")))
    args = ap.parse_args()
    unknown = [s for s in args.scenario if s not in scenarios]
    if unknown:
        ap.error(f"unknown scenario {', '.join(unknown)}; known: {', '.join(scenarios)}")
    if not shutil.which("hyperfine"):
        ap.error("hyperfine is not installed (tools/bootstrap installs it)")
    names = args.scenario or list(scenarios)
    # The placeholders of pin mode system's scenarios take podman container locks: a
    # private /dev/shm keeps them out of the machine's segment, as in the tests.
    private_shm.enter()
    if args.compare and not args.scenario:
        # --compare alone reruns what has a baseline.
        names = [n for n in names
                 if os.path.exists(os.path.join(BENCH_DIR, "baselines", f"{n}.json"))]

    ok = True
    for name in names:
        mod = scenarios[name]
        print(f"{name}: {mod.DESCRIPTION}")
        # Short: podman refuses a runroot path longer than 50 characters.
        workdir = tempfile.mkdtemp(prefix=f"rpb-{name}-")
        ctx = Context(
            tmp=workdir, source_dir=SOURCE_DIR, build_dir=args.build_dir,
            quadlet_scan_bin=os.environ.get(
                "QUADLET_SCAN_BIN", os.path.join(args.build_dir, "quadlet-scan/quadlet-scan")),
            rootpin_bin=os.environ.get("ROOTPIN_BIN", os.path.join(args.build_dir, "src/rootpin")))
        comps, results = [], []
        env = environment(ctx)
        try:
            comps = prepared(mod, ctx)
            for comp in comps:
                res = run_comparison(comp, args.rounds, args.runs, args.warmup, workdir)
                results.append({"variant": comp.variant, "parameters": comp.parameters,
                                "result": res})
        finally:
            cleanup_all(comps)
            remove_tree(workdir)
        env["load_average_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        for r in results:
            print_result(r["variant"], r["result"])
        record = {"scenario": name, "description": mod.DESCRIPTION,
                  "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  "command": "tools/bench " + " ".join(sys.argv[1:]),
                  "environment": env, "results": results}
        os.makedirs(os.path.join(BENCH_DIR, "results"), exist_ok=True)
        out = os.path.join(BENCH_DIR, "results", f"{name}.json")
        with open(out, "w") as f:
            json.dump(record, f, indent=2)
            f.write("\n")
        print(f"  recorded {os.path.relpath(out, SOURCE_DIR)}")
        if args.save_baseline:
            os.makedirs(os.path.join(BENCH_DIR, "baselines"), exist_ok=True)
            shutil.copyfile(out, os.path.join(BENCH_DIR, "baselines", f"{name}.json"))
        for r in results:
            if args.compare:
                ok = compare(name, r["variant"], r["result"]) and ok
            ok = ok and r["result"]["meets_target"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
