"""The pure parts of the benchmark harness (bench/bench.py, bench/scenario_api.py): the
summary of a side's runs, the noise of a ratio, the checks of a result and --compare's
verdicts against a baseline. No podman, no hyperfine: figures are given."""
import json
import os
import sys

import pytest

SOURCE_DIR = os.environ.get("ROOTPIN_SOURCE_DIR",
                            os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
sys.path.insert(0, os.path.join(SOURCE_DIR, "bench"))

import bench  # noqa: E402
from scenario_api import Check, Comparison, Side  # noqa: E402


def side(median, mad):
    return {"name": "x", "command": "x", "median": median, "min": median - mad,
            "max": median + mad, "mad": mad, "n": 8}


def result(a, b, mad=0.0, figures=None):
    return {"a": side(a, mad * a), "b": side(b, mad * b), "ratio": b / a,
            "figures": figures or {}}


def test_summary_is_median_spread_and_count():
    s = bench.summary([1.0, 2.0, 3.0, 10.0])
    assert s["median"] == 2.5
    assert (s["min"], s["max"], s["n"]) == (1.0, 10.0, 4)
    # deviations from 2.5: 1.5 0.5 0.5 7.5 -> median 1.0
    assert s["mad"] == 1.0


def test_noise_has_a_floor_and_grows_with_either_sides_spread():
    assert bench.noise(result(1.0, 1.0, mad=0.0)) == bench.MIN_NOISE
    quiet, loud = result(1.0, 1.0, mad=0.01), result(1.0, 1.0, mad=0.1)
    assert bench.noise(quiet) == bench.MIN_NOISE
    # 3 x sqrt(0.1^2 + 0.1^2)
    assert bench.noise(loud) == pytest.approx(3 * (2 * 0.01) ** 0.5)


def test_evaluate_adds_timing_and_derived_figures_and_checks_them():
    comp = Comparison(a=Side("a", "true"), b=Side("b", "true"), target_ratio=0.5,
                      figures={"b_podman_runs": 3},
                      checks=[Check("b_podman_runs", 2, label="<= 2 podman runs"),
                              Check("b_overhead_ms", 100)],
                      derive=lambda f: {"b_overhead_ms": f["b_minus_a_ms"] - 40})
    res = {"a": {"median": 1.0}, "b": {"median": 0.12}, "ratio": 0.12}
    figures, verdicts = bench.evaluate(comp, res)
    assert figures["b_minus_a_ms"] == pytest.approx(-880)
    assert figures["b_overhead_ms"] == pytest.approx(-920)
    met = {v["figure"]: v["met"] for v in verdicts}
    assert met == {"b_podman_runs": False, "b_overhead_ms": True, "ratio": True}


@pytest.mark.parametrize("op,limit,value,holds", [
    ("<=", 2, 2, True), ("<=", 2, 3, False), (">=", 2, 1, False), ("==", 0, 0, True),
    ("==", 0, 1, False), ("<=", 2, None, False)])
def test_check_ops(op, limit, value, holds):
    assert Check("f", limit, op=op).holds(value) is holds


@pytest.fixture
def baseline(tmp_path, monkeypatch):
    """Writes bench/baselines/demo.json in a temp BENCH_DIR; returns the writer."""
    monkeypatch.setattr(bench, "BENCH_DIR", str(tmp_path))
    monkeypatch.setattr(bench, "SOURCE_DIR", str(tmp_path))
    (tmp_path / "baselines").mkdir()

    def write(res, variant="v"):
        record = {"results": [{"variant": variant, "result": res}]}
        (tmp_path / "baselines" / "demo.json").write_text(json.dumps(record))
    return write


def test_compare_accepts_a_ratio_within_the_noise(baseline, capsys):
    baseline(result(1.0, 0.50))
    assert bench.compare("demo", "v", result(2.0, 1.08)) is True   # +8% < 10% floor
    assert "ok" in capsys.readouterr().out


def test_compare_flags_a_ratio_beyond_the_noise(baseline, capsys):
    baseline(result(1.0, 0.50))
    assert bench.compare("demo", "v", result(1.0, 0.60)) is False  # +20%
    assert "REGRESSION" in capsys.readouterr().out


def test_compare_tolerates_more_when_the_runs_were_noisy(baseline):
    baseline(result(1.0, 0.50, mad=0.1))
    assert bench.compare("demo", "v", result(1.0, 0.60, mad=0.1)) is True  # noise 42%


def test_compare_flags_any_counted_figure_that_grew(baseline, capsys):
    baseline(result(1.0, 0.5, figures={"b_podman_runs": 2, "a_podman_runs": 8}))
    assert bench.compare("demo", "v", result(1.0, 0.5, figures={"b_podman_runs": 3,
                                                                "a_podman_runs": 9})) is False
    out = capsys.readouterr().out
    assert "b_podman_runs: 2 -> 3: REGRESSION" in out
    assert "a_podman_runs" not in out  # the old way's counts are not ours to regress


def test_compare_without_a_baseline_for_the_variant_passes_and_says_so(baseline, capsys):
    baseline(result(1.0, 0.5), variant="other")
    assert bench.compare("demo", "v", result(1.0, 5.0)) is True
    assert "no baseline for variant 'v'" in capsys.readouterr().out


def test_old_records_with_one_result_read_as_the_empty_variant():
    assert bench.baseline_results({"result": {"ratio": 1}}) == {"": {"ratio": 1}}
