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
import dataclasses
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

from scenario_api import Comparison, Context  # noqa: E402  (after sys.path is set)

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
    }


def hyperfine_times(command, runs, warmup, workdir):
    out = os.path.join(workdir, "hyperfine.json")
    subprocess.run(["hyperfine", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
                    "--export-json", out, command],
                   check=True, stdout=subprocess.DEVNULL)
    with open(out) as f:
        return json.load(f)["results"][0]["times"]


def summary(times):
    med = statistics.median(times)
    mad = statistics.median(abs(t - med) for t in times)
    return {"median": med, "min": min(times), "max": max(times), "mad": mad, "n": len(times)}


def run_comparison(comp, rounds, runs, warmup, workdir):
    times = {"a": [], "b": []}
    for r in range(rounds):
        for side, spec in (("a", comp.a), ("b", comp.b)):
            # Warm up only in the first round: later rounds start warm anyway.
            times[side] += hyperfine_times(spec.command, runs, warmup if r == 0 else 1, workdir)
        print(f"  round {r + 1}/{rounds} done", file=sys.stderr)
    result = {}
    for side, spec in (("a", comp.a), ("b", comp.b)):
        result[side] = {"name": spec.name, "command": spec.display or spec.command,
                        **summary(times[side])}
    result["ratio"] = result["b"]["median"] / result["a"]["median"]
    result["target_ratio"] = comp.target_ratio
    result["meets_target"] = comp.target_ratio is None or result["ratio"] <= comp.target_ratio
    return result


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def print_result(name, res):
    for side in ("a", "b"):
        s = res[side]
        print(f"  {side.upper()} {s['name']:<28} median {ms(s['median']):>10}  "
              f"min-max {ms(s['min'])} - {ms(s['max'])}  (n={s['n']})")
    target = res["target_ratio"]
    verdict = "" if target is None else (f"  target <= {target}x: "
                                         f"{'met' if res['meets_target'] else 'MISSED'}")
    print(f"  ratio B/A {res['ratio']:.2f}x{verdict}")


def noise(res):
    """Relative noise of a ratio from both sides' spread (MAD), at least MIN_NOISE."""
    rel = [res[s]["mad"] / res[s]["median"] for s in ("a", "b") if res[s]["median"] > 0]
    return max(MIN_NOISE, 3 * (sum(x * x for x in rel) ** 0.5))


def compare(name, res):
    path = os.path.join(BENCH_DIR, "baselines", f"{name}.json")
    if not os.path.exists(path):
        print(f"  no baseline {os.path.relpath(path, SOURCE_DIR)}")
        return True
    with open(path) as f:
        base = json.load(f)["result"]
    threshold = max(noise(res), noise(base))
    change = res["ratio"] / base["ratio"] - 1
    regressed = change > threshold
    print(f"  baseline ratio {base['ratio']:.2f}x, now {res['ratio']:.2f}x "
          f"({change:+.0%}; noise {threshold:.0%}): {'REGRESSION' if regressed else 'ok'}")
    b_change = res["b"]["median"] / base["b"]["median"] - 1
    print(f"  B median {ms(base['b']['median'])} -> {ms(res['b']['median'])} ({b_change:+.0%}, "
          "machine-dependent, for information)")
    return not regressed


def main():
    scenarios = discover()
    ap = argparse.ArgumentParser(prog="tools/bench", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", nargs="*", help=f"default: all of {', '.join(scenarios)}")
    ap.add_argument("--compare", action="store_true", help="compare with bench/baselines/")
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

    ok = True
    for name in args.scenario or list(scenarios):
        mod = scenarios[name]
        print(f"{name}: {mod.DESCRIPTION}")
        workdir = tempfile.mkdtemp(prefix=f"rootpin-bench-{name}-")
        try:
            ctx = Context(
                tmp=workdir, source_dir=SOURCE_DIR, build_dir=args.build_dir,
                quadlet_scan_bin=os.environ.get(
                    "QUADLET_SCAN_BIN", os.path.join(args.build_dir, "quadlet-scan/quadlet-scan")),
                rootpin_bin=os.environ.get("ROOTPIN_BIN",
                                           os.path.join(args.build_dir, "src/rootpin")))
            comp = mod.prepare(ctx)
            res = run_comparison(comp, args.rounds, args.runs, args.warmup, workdir)
            if comp.cleanup:
                comp.cleanup()
        finally:
            subprocess.run(["chattr", "-R", "-i", workdir], stderr=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, check=False)
            shutil.rmtree(workdir, ignore_errors=True)
        print_result(name, res)
        record = {"scenario": name, "description": mod.DESCRIPTION,
                  "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  "environment": environment(ctx), "parameters": comp.parameters,
                  "rounds": args.rounds, "runs_per_round": args.runs, "result": res}
        os.makedirs(os.path.join(BENCH_DIR, "results"), exist_ok=True)
        out = os.path.join(BENCH_DIR, "results", f"{name}.json")
        with open(out, "w") as f:
            json.dump(record, f, indent=2)
            f.write("\n")
        print(f"  recorded {os.path.relpath(out, SOURCE_DIR)}")
        if args.save_baseline:
            shutil.copyfile(out, os.path.join(BENCH_DIR, "baselines", f"{name}.json"))
        if args.compare:
            ok = compare(name, res) and ok
        ok = ok and res["meets_target"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
