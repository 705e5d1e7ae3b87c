"""The man pages: they render without a warning, and document every option the tools have.

The option check reads the tools' own --help, so it cannot drift from the code; and it
demands a minimum number of options and commands, so a tool that prints nothing useful
fails it instead of passing it vacuously.
"""
import os
import re
import subprocess

import pytest

from build_tree import MAN_PAGES, make_manpath, man_source, require_dirs

LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")
# Commands DESIGN.md names; --help must list all of them (more is fine).
ROOTPIN_COMMANDS = {"status", "upgrade", "bind", "pin", "unpin", "gc", "boot", "check"}
MIN_ROOTPIN_OPTIONS = 25          # global + per-command long options, as of this writing
MIN_QUADLET_SCAN_OPTIONS = 5      # --root --bound --all --json --store (+ --help)


def render(page):
    """The page as plain text, on lines long enough that nothing is hyphenated."""
    r = subprocess.run(["groff", "-man", "-Tascii", "-rLL=400n", "-P-cbou", man_source(page)],
                       capture_output=True, text=True, check=True, timeout=60)
    return r.stdout


@pytest.mark.parametrize("page", MAN_PAGES)
def test_page_renders_with_groff_without_warnings(page):
    require_dirs()
    r = subprocess.run(["groff", "-man", "-ww", "-z", man_source(page)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "", r.stderr


@pytest.mark.parametrize("page", MAN_PAGES)
@pytest.mark.parametrize("width", ["80", "60"])
def test_page_renders_with_man_without_warnings(page, width):
    require_dirs()
    r = subprocess.run(["man", "--warnings", "-l", man_source(page)], capture_output=True,
                       text=True, timeout=60, env=dict(os.environ, MANWIDTH=width, MAN_KEEP_FORMATTING="0"))
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    assert len(r.stdout.splitlines()) > 40


def test_pages_are_found_by_name_in_their_sections(tmp):
    require_dirs()
    manpath = make_manpath(os.path.join(tmp, "man"))
    for page in MAN_PAGES:
        name, section = page.rsplit(".", 1)
        r = subprocess.run(["man", "-M", manpath, "-w", section, name], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0 and r.stdout.strip().endswith(page), r.stderr
        with open(man_source(page)) as f:
            th = next(line for line in f if line.startswith(".TH"))
        assert th.split()[2] == section, f"{page}: .TH section {th.split()[2]}"


def sections(text):
    return set(re.findall(r"^([A-Z][A-Z ]+)$", text, re.M))


def test_rootpin_page_has_the_sections_an_admin_looks_for():
    require_dirs()
    text = render("rootpin.8")
    for s in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "GLOBAL OPTIONS", "EXIT STATUS",
              "FILES", "ENVIRONMENT", "EXAMPLES", "SEE ALSO"):
        assert s in sections(text), f"rootpin(8) has no {s} section"
    exit_status = text.split("EXIT STATUS", 1)[1].split("\nFILES", 1)[0]
    assert re.findall(r"^\s+([0-9]+)\s", exit_status, re.M) == \
        ["0", "1", "2", "3", "129", "130", "143"]
    assert "ROOTPIN_LOG" in text.split("ENVIRONMENT", 1)[1]


def test_rootpin_page_lists_the_message_ids_the_code_sends():
    require_dirs()
    with open(os.path.join(os.environ["ROOTPIN_SOURCE_DIR"], "src/log/message_id.cpp")) as f:
        ids = re.findall(r'"([0-9a-f]{32})"', f.read())
    assert len(ids) >= 6
    text = render("rootpin.8")
    for i in ids:
        assert i in text, f"MESSAGE_ID {i} is not documented in rootpin(8)"


def test_every_metric_is_documented_with_its_meaning_in_both_pages():
    # The names the renderer writes, read from its source (as the MESSAGE_ID test does).
    require_dirs()
    with open(os.path.join(os.environ["ROOTPIN_SOURCE_DIR"], "src/metrics/render.cpp")) as f:
        names = set(re.findall(r'"(rootpin_[a-z_]+)"', f.read()))
    assert len(names) >= 11, names
    for page in ("rootpin.8", "rootpin.conf.5"):
        metrics = render(page).split("\nMETRICS", 1)[1]
        metrics = re.split(r"\n[A-Z][A-Z ]+\n", metrics, 1)[0]
        for name in names:
            entry = re.search(rf"^\s+{name}(\{{[a-z,]+\}})?\n(.+)$", metrics, re.M)
            assert entry, f"{page}: METRICS has no entry for {name}"
            assert entry.group(2).strip().startswith(("Gauge:", "Counter:")), entry.group(2)
        # Example alerts: the two the fleet needs first, at least.
        assert 'rootpin_roots_unbound{role="staged"} > 0' in metrics
        assert 'time() - rootpin_last_success_timestamp_seconds{command="upgrade"} > 2 * 86400' \
            in metrics


def test_bound_images_page_covers_opt_in_and_lint():
    require_dirs()
    text = render("rootpin-bound-images.5")
    for needle in ("/usr/lib/rootpin/bound-images.d/", "/usr/lib/bootc/bound-images.d/",
                   "All=yes", "All=enabled", "/dev/null", "/usr/etc",
                   "/etc/containers/systemd/", "/usr/share/containers/systemd/",
                   "GlobalArgs=--storage-opt=additionalimagestore=/var/lib/rootpin/storage",
                   "Policy=missing", "Pull=always", "FROM ", "podman 5.4", "Yaml=",
                   "Mount=type=image", "DefaultInstance="):
        assert needle in text, f"rootpin-bound-images(5) does not mention {needle}"
    lint = text.split("LINT WARNINGS", 1)[1].split("\nSECURITY", 1)[0]
    assert len(re.findall(r"^\s+[1-9]\.\s", lint, re.M)) == 6


def test_conf_page_documents_the_order_and_the_section():
    require_dirs()
    text = render("rootpin.conf.5")
    assert "[Rootpin]" in text
    steps = [r"1\.\s+/etc/rootpin/rootpin\.conf;",
             r"2\.\s+the drop-ins /etc/rootpin/rootpin\.conf\.d/\*\.conf, in the lexical order",
             r"3\.\s+the options on the command line"]
    found = [re.search(s, text) for s in steps]
    assert all(found), f"rootpin.conf(5) does not state the order: {steps}"
    assert [m.start() for m in found] == sorted(m.start() for m in found)


def help_text(argv):
    r = subprocess.run(argv + ["--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"{' '.join(argv)} --help failed ({r.returncode}): {r.stderr}"
    return r.stdout


def subcommands(text):
    """Command names CLI11 lists under its SUBCOMMANDS/Subcommands heading."""
    m = re.search(r"^subcommands:\s*$(.*?)(?:^\S|\Z)", text, re.M | re.S | re.I)
    assert m, "rootpin --help lists no subcommands"
    return {line.split()[0] for line in m.group(1).splitlines() if line.strip()}


def documented_options(text):
    return set(LONG_OPTION.findall(text))


def test_every_rootpin_option_is_documented(rootpin_bin):
    require_dirs()
    top = help_text([rootpin_bin])
    commands = subcommands(top)
    missing_commands = ROOTPIN_COMMANDS - commands
    assert not missing_commands, f"rootpin --help lacks commands {sorted(missing_commands)}"
    shown = {("", o) for o in LONG_OPTION.findall(top)}
    for c in sorted(commands):
        shown |= {(c, o) for o in LONG_OPTION.findall(help_text([rootpin_bin, c]))}
    assert len({o for _, o in shown}) >= MIN_ROOTPIN_OPTIONS, \
        f"only {len(shown)} options found in --help: {sorted(shown)}"

    page = render("rootpin.8")
    documented = documented_options(page) | documented_options(render("rootpin.conf.5"))
    undocumented = sorted(f"rootpin {c} {o}".replace("  ", " ") for c, o in shown if o not in documented)
    assert not undocumented, f"options missing from rootpin(8): {undocumented}"
    commands_section = page.split("\nCOMMANDS", 1)[1].split("\nGLOBAL OPTIONS", 1)[0]
    for c in commands:
        assert re.search(rf"^\s+{re.escape(c)}\b", commands_section, re.M), \
            f"command {c} has no entry in rootpin(8) COMMANDS"


def test_every_documented_rootpin_option_exists(rootpin_bin):
    # The other way round: an option the page describes but the tool rejects is a lie.
    require_dirs()
    top = help_text([rootpin_bin])
    shown = set(LONG_OPTION.findall(top))
    for c in subcommands(top):
        shown |= set(LONG_OPTION.findall(help_text([rootpin_bin, c])))
    page = render("rootpin.8")
    described = page.split("\nCOMMANDS", 1)[1].split("\nEXIT STATUS", 1)[0]
    tags = option_tags(described)
    assert len(tags) >= MIN_ROOTPIN_OPTIONS - 5
    assert not sorted(tags - shown), f"rootpin(8) documents unknown options {sorted(tags - shown)}"


def option_tags(section_text):
    """Options that head an entry: an indented line starting with the option."""
    return set(re.findall(r"^\s+(?:-\w, )?(--[a-z][a-z0-9-]*)", section_text, re.M))


def test_every_quadlet_scan_option_is_documented(quadlet_scan_bin):
    require_dirs()
    shown = set(LONG_OPTION.findall(help_text([quadlet_scan_bin])))
    assert len(shown) >= MIN_QUADLET_SCAN_OPTIONS, f"only {sorted(shown)} in quadlet-scan --help"
    text = render("quadlet-scan.1")
    page = documented_options(text)
    assert not sorted(shown - page), f"options missing from quadlet-scan(1): {sorted(shown - page)}"
    tags = option_tags(text.split("\nOPTIONS", 1)[1].split("\nOUTPUT", 1)[0])
    assert len(tags) >= MIN_QUADLET_SCAN_OPTIONS
    assert not sorted(tags - shown), f"quadlet-scan(1) documents unknown options {sorted(tags - shown)}"



def config_keys_documented():
    """[(SystemdStyle, dash-style)] from the entry tags of rootpin.conf(5)'s OPTIONS."""
    text = render("rootpin.conf.5")
    options = text.split("\nOPTIONS", 1)[1].split("\nEXAMPLE", 1)[0]
    return re.findall(r"^\s+([A-Z][A-Za-z]*)=\S+, ([a-z][a-z-]*)=\S+$", options, re.M)


def test_rootpin_conf5_documents_exactly_the_config_table(rootpin_bin):
    """The keys come from one table (src/cli/config_keys.cpp) that --help shows, each option
    naming its key: rootpin.conf(5) documents every one of them and no other."""
    require_dirs()
    table, option = {}, None
    for line in help_text([rootpin_bin]).splitlines():  # CLI11 may wrap a description
        if m := re.match(r"\s+--([a-z][a-z-]*)\b", line):
            option = m.group(1)
        if m := re.search(r"\(rootpin\.conf: ([A-Za-z]+)=\)", line):
            table[option] = m.group(1)
    assert len(table) >= 12, f"only {table} in rootpin --help"
    documented = dict((dashed, camel) for camel, dashed in config_keys_documented())
    table_keys = {(camel, dashed) for dashed, camel in table.items()}
    page_keys = {(camel, dashed) for dashed, camel in documented.items()}
    assert not sorted(table_keys - page_keys), \
        f"keys missing from rootpin.conf(5): {sorted(table_keys - page_keys)}"
    assert not sorted(page_keys - table_keys), \
        f"rootpin.conf(5) documents keys rootpin does not have: {sorted(page_keys - table_keys)}"


def status_with_config(rootpin_bin, tmp, key, value):
    """`rootpin status` with a configuration directory holding only KEY=VALUE.

    The path flags keep every run inside tmp (a flag wins over the file, but the file is
    still read and its keys checked)."""
    conf = os.path.join(tmp, "conf-" + key)
    os.makedirs(conf)
    with open(os.path.join(conf, "rootpin.conf"), "w") as f:
        f.write(f"[Rootpin]\n{key}={value}\n")
    argv = [rootpin_bin, "--config-dir", conf, "--sysroot", os.path.join(tmp, "sysroot"),
            "--state-dir", os.path.join(tmp, "state"), "--store", os.path.join(tmp, "store"),
            "--runroot", os.path.join(tmp, "run"), "status"]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, ROOTPIN_LOG="stderr"))
    return conf, r


def test_every_documented_config_key_is_accepted(rootpin_bin, tmp):
    require_dirs()
    keys = config_keys_documented()
    assert len(keys) >= 7, f"rootpin.conf(5) documents only {keys}"
    values = {"Podman": "podman", "StorageDriver": "vfs", "PinMode": "store"}
    for camel, dashed in keys:
        for key in (camel, dashed):
            conf, r = status_with_config(rootpin_bin, tmp, key, values.get(camel, "2"))
            assert conf not in r.stderr, f"{key}= rejected: {r.stderr}"


def test_an_undocumented_config_key_is_refused_with_file_and_line(rootpin_bin, tmp):
    # The control for the test above: what a refused key looks like.
    conf, r = status_with_config(rootpin_bin, tmp, "NoSuchKey", "1")
    assert r.returncode != 0
    assert os.path.join(conf, "rootpin.conf") + ":2" in r.stderr, r.stderr
    assert "NoSuchKey" in r.stderr
