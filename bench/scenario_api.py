"""What a benchmark scenario module gives the harness (bench/bench.py).

A scenario module in bench/scenarios/ defines:
    NAME = "scan"
    DESCRIPTION = "one line"
    def prepare(ctx: Context) -> Comparison
prepare() builds its fixtures under ctx.tmp (removed by the harness afterwards) and
returns the two commands to compare, or a list of Comparisons with distinct `variant`s
(e.g. loopback and WAN). Commands run through hyperfine's shell.

Besides time, a scenario reports what it counted in instrumented runs outside the timed
ones (podman runs, registry requests, fsyncs) as `figures`, and states its targets as
`checks` over those figures and the timing figures the harness adds:
    ratio, a_median_ms, b_median_ms, b_minus_a_ms
"""
import dataclasses
from typing import Callable, Optional


@dataclasses.dataclass
class Context:
    tmp: str               # private temp dir for fixtures, removed afterwards
    source_dir: str
    build_dir: str
    quadlet_scan_bin: str
    rootpin_bin: str


@dataclasses.dataclass
class Side:
    name: str                       # e.g. "cat floor"
    command: str                    # shell command line run by hyperfine
    display: Optional[str] = None   # shorter form for the record (tmp paths elided)
    prepare: Optional[str] = None   # run before each timed run, not timed (hyperfine --prepare)


@dataclasses.dataclass
class Check:
    """A target: figures[figure] <op> limit, e.g. Check("b_podman_runs", 2)."""
    figure: str
    limit: float
    op: str = "<="                  # "<=", ">=" or "=="
    label: Optional[str] = None     # the target as the issue words it

    def holds(self, value):
        if value is None:
            return False
        return {"<=": value <= self.limit, ">=": value >= self.limit,
                "==": value == self.limit}[self.op]


@dataclasses.dataclass
class Comparison:
    a: Side                         # the floor / the old way
    b: Side                         # ours
    target_ratio: Optional[float] = None   # B/A must stay at or below this
    parameters: dict = dataclasses.field(default_factory=dict)
    cleanup: Optional[Callable[[], None]] = None
    variant: str = ""               # names one of several comparisons of a scenario
    figures: dict = dataclasses.field(default_factory=dict)   # counted, not timed
    checks: list = dataclasses.field(default_factory=list)    # [Check]
    # Derived figures computed once the times are known: f(figures) -> {name: value}.
    derive: Optional[Callable[[dict], dict]] = None
    # Per-comparison overrides of --rounds/--runs/--warmup for slow scenarios.
    rounds: Optional[int] = None
    runs: Optional[int] = None
    warmup: Optional[int] = None


def quadlet_scan_vs_cat(ctx, root, share, target_ratio, parameters):
    """The scan scenarios' comparison: cat of every file under `share` (the floor) against
    quadlet-scan --json of `root`."""
    import os
    import shlex
    if not os.access(ctx.quadlet_scan_bin, os.X_OK):
        raise SystemExit(f"{ctx.quadlet_scan_bin} not built (cmake --build build)")
    q_root, q_share = shlex.quote(root), shlex.quote(share)
    return Comparison(
        a=Side("cat floor", f"find {q_share} -type f -print0 | xargs -0 cat >/dev/null",
               display="find ROOT/usr/share/containers/systemd -type f -print0 | "
                       "xargs -0 cat >/dev/null"),
        b=Side("quadlet-scan --json",
               f"{shlex.quote(ctx.quadlet_scan_bin)} --root {q_root} --json >/dev/null",
               display="quadlet-scan --root ROOT --json >/dev/null"),
        target_ratio=target_ratio,
        parameters=parameters,
    )
