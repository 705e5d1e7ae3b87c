"""tools/demo.py (what tools/demo runs after building) against this build: it exits 0,
tells the story's key facts, and leaves no sandbox behind."""
import os
import re
import subprocess
import sys

from conftest import SOURCE_DIR


def test_demo_runs_the_story_and_removes_its_sandbox():
    build = os.environ.get("ROOTPIN_BUILD_DIR", "")
    assert build and os.path.isdir(build), "ROOTPIN_BUILD_DIR not set (run through ctest)"
    proc = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "tools/demo.py"),
                           "--build-dir", build], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=600)
    out = proc.stdout
    assert proc.returncode == 0, f"{out}\n{proc.stderr}"
    sandbox = re.search(r"SANDBOX=(\S+)", out).group(1)
    assert not os.path.exists(sandbox)
    assert re.search(r"bound testos/\S+: 2 images \(2 pulled, 0 already present\)", out)
    assert re.search(r"plan for testos/[0-9a-f]{64}: 1 present, 2 to pull", out)
    assert re.search(r"deployed testos/\S+ \(2\) with its images pinned", out)
    assert "registry requests for acme/web during the upgrade: 0" in out
    assert re.search(r"removing \S+/acme/log-forwarder:2", out)
    assert "admin pin of" in out and "keep 3.5 until the cluster moves" in out
    assert "created from rootpin's store with no registry and no pull" in out
