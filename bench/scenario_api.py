"""What a benchmark scenario module gives the harness (bench/bench.py).

A scenario module in bench/scenarios/ defines:
    NAME = "scan"
    DESCRIPTION = "one line"
    def prepare(ctx: Context) -> Comparison
prepare() builds its fixtures under ctx.tmp (removed by the harness afterwards) and
returns the two commands to compare. Commands run through hyperfine's shell.
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


@dataclasses.dataclass
class Comparison:
    a: Side                         # the floor / the old way
    b: Side                         # ours
    target_ratio: Optional[float] = None   # B/A must stay at or below this
    parameters: dict = dataclasses.field(default_factory=dict)
    cleanup: Optional[Callable[[], None]] = None
