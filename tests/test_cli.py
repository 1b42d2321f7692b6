"""The `truthlint` command through its real entry point: every command, option and format."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from truthlint.rules.registry import RULES

from .conftest import REPO, run_flake8

# every test but one starts `python -m truthlint` (and some flake8) in subprocesses
pytestmark = pytest.mark.slow

EXPECTED = (REPO / "examples" / "expected.txt").read_text(encoding="utf-8")


def truthlint(*args, cwd=REPO, stdin=None):
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "truthlint", *args], cwd=str(cwd),
                          capture_output=True, text=True, env=env, input=stdin, timeout=300)


@pytest.fixture
def project(tmp_path):
    shutil.copytree(REPO / "examples", tmp_path / "examples",
                    ignore=shutil.ignore_patterns(".truthlint_cache"))
    return tmp_path


def _opt_in(line: str) -> bool:
    """An output line of a code that runs only when selected by name."""
    from truthlint.rules.registry import RULES

    parts = line.split()
    return len(parts) > 1 and parts[1] in RULES and RULES[parts[1]].off_by_default


def test_check_gives_the_flake8_plugin_findings():
    result = truthlint("check", "--select", "STI,TBV,SOI,STI004,STI014,SOI002,SOI003,SOI004", "examples/")
    assert result.stdout == EXPECTED
    assert result.returncode == 1
    assert result.stderr == "truthlint: 32 findings in 22 of 44 files; 2 fixable with --fix\n"


def test_opt_in_codes_need_selecting():
    default = truthlint("check", "examples/")
    assert not any(_opt_in(line_) for line_ in default.stdout.splitlines())
    assert default.stdout.splitlines() == [line_ for line_ in EXPECTED.splitlines() if not _opt_in(line_)]
    families = truthlint("check", "--select", "STI,TBV,SOI", "examples/")
    assert families.stdout == default.stdout  # a prefix never turns an opt-in code on
    only = truthlint("check", "--select", "STI014", "examples/")
    assert [line.split()[1] for line in only.stdout.splitlines()] == ["STI014", "STI014"]


def test_parallel_and_serial_runs_agree():
    serial = truthlint("check", "-j", "1", "examples/")
    parallel = truthlint("check", "-j", "2", "examples/")
    assert parallel.stdout == serial.stdout != ""


def test_select_and_ignore_by_code_and_prefix():
    sti = truthlint("check", "--select", "STI00", "examples/")
    assert {line.split()[1][:5] for line in sti.stdout.splitlines()} == {"STI00"}
    ignored = truthlint("check", "--ignore", "SOI,TBV001", "examples/")
    codes = {line.split()[1] for line in ignored.stdout.splitlines()}
    assert codes and not any(c.startswith("SOI") or c == "TBV001" for c in codes)


@pytest.mark.parametrize("args", [["--select", "XYZ"], ["--ignore", "STI9"], ["nowhere/"]])
def test_usage_errors_exit_2(args):
    result = truthlint("check", *args)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("truthlint: ") and result.stderr.count("\n") == 1


def test_exit_codes(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "clean.py").write_text("x = 1\n")
    assert truthlint("check", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "dirty.py").write_text("init_db()\n")
    assert truthlint("check", ".", cwd=tmp_path).returncode == 1
    assert truthlint("check", "--exit-zero", ".", cwd=tmp_path).returncode == 0
    (tmp_path / "pyproject.toml").write_text("[tool.truthlint]\nroots = 5\n")
    bad = truthlint("check", ".", cwd=tmp_path)
    assert bad.returncode == 2 and "key 'roots'" in bad.stderr


def test_noqa_is_honoured_as_flake8_does(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "a.py").write_text(textwrap.dedent("""\
        init_db()  # noqa: TBV001
        init_db()  # noqa: SOI002
        init_db()  # noqa
        init_db(
            "sqlite://",
        )  # noqa: TBV
        init_db()  # NOQA:tbv001
    """))
    (tmp_path / "b.py").write_text("# flake8: noqa\ninit_db()\n")
    ours = truthlint("check", "--select", "TBV", ".", cwd=tmp_path)
    theirs = run_flake8("--select", "TBV", ".", cwd=tmp_path)
    assert [line_.split(":")[1] for line_ in ours.stdout.splitlines()] == ["2", "4", "7"]
    assert ours.stdout.replace("./", "") == theirs.stdout.replace("./", "")


def test_json_format():
    rows = json.loads(truthlint("check", "--format", "json", "examples/").stdout)
    assert len(rows) == len([line_ for line_ in EXPECTED.splitlines() if not _opt_in(line_)])
    first = rows[0]
    assert set(first) == {"path", "line", "column", "code", "name", "message", "evidence",
                          "fingerprint"}
    assert first["name"] == RULES[first["code"]].name and re.fullmatch(r"[0-9a-f]{16}",
                                                                       first["fingerprint"])


def test_sarif_format_is_structurally_valid():
    log = json.loads(truthlint("check", "--format", "sarif", "examples/").stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "truthlint" and driver["version"]
    assert [r["id"] for r in driver["rules"]] == list(RULES)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"].startswith(f"# {rule['id']} ")
    # the level follows the rule's severity: architecture an error, governance a note
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in driver["rules"]}["TBV002"] == "error"
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in driver["rules"]}["STI006"] == "note"
    expected = [line_ for line_ in EXPECTED.splitlines() if not _opt_in(line_)]
    assert len(run["results"]) == len(expected)
    evidences = []
    for result, line in zip(run["results"], expected):
        path, row, col, rest = line.split(":", 3)
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"] == rest.split()[0]
        assert result["level"] == RULES[result["ruleId"]].level
        message, _, evidence = result["message"]["text"].partition("\n\nEvidence: ")
        assert message == rest.split(" ", 2)[2]
        evidences.append(evidence)
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == path
        assert (loc["region"]["startLine"], loc["region"]["startColumn"]) == (int(row), int(col))
        assert result["partialFingerprints"]["truthlint/v1"]
    # the evidence that --verbose prints travels with the alert, after the message
    assert ("the claim: 'auth' in the seed preset (examples/pyproject.toml layer-preset)"
            in evidences)
    assert all("helpUri" not in rule for rule in driver["rules"])  # no page it could name
    assert "informationUri" not in driver


def test_sarif_help_uris_point_at_the_rule_pages_under_one_base_url(tmp_path):
    """Each helpUri is the base URL (where this repository's docs/rules/ is published) and
    the rule's page, which exists in the repository for every rule."""
    base = "https://git.example.org/acme/truthlint/blob/v0.2/docs/rules"
    for args, env in (([f"--docs-url={base}/"], {}), ([], {"TRUTHLINT_DOCS_URL": base})):
        result = subprocess.run([sys.executable, "-m", "truthlint", "check", "--format", "sarif",
                                 *args, "examples/"], cwd=str(REPO), capture_output=True,
                                text=True, env=dict(os.environ, **env), timeout=120)
        driver = json.loads(result.stdout)["runs"][0]["tool"]["driver"]
        assert driver["informationUri"] == base + "/"
        for rule in driver["rules"]:
            assert rule["helpUri"] == f"{base}/{rule['id']}.md"
            assert (REPO / "docs" / "rules" / f"{rule['id']}.md").is_file()


def test_github_format():
    lines = truthlint("check", "--format", "github", "examples/").stdout.splitlines()
    assert lines[0].startswith("::warning file=examples/app/api/guard.py,line=9,col=1,"
                               "title=TBV002 layer-violation::app.api.guard (L2) imports")
    assert all(re.match(r"::warning file=[^,]+,line=\d+,col=\d+,title=[A-Z]{3}\d{3} ", line_)
               for line_ in lines)


def test_baseline_ladder(project):
    cwd = project / "examples"
    write = truthlint("check", "--write-baseline", "baseline.json", ".", cwd=cwd)
    assert write.returncode == 0
    entries = json.loads((cwd / "baseline.json").read_text())["entries"]
    assert len(entries) == len([line_ for line_ in EXPECTED.splitlines() if not _opt_in(line_)])
    clean = truthlint("check", "--baseline", "baseline.json", ".", cwd=cwd)
    assert (clean.returncode, clean.stdout) == (0, "")
    # an edit above a grandfathered finding moves it: still grandfathered
    main = cwd / "app" / "main.py"
    main.write_text('"""Moved."""\n\n\n' + main.read_text())
    moved = truthlint("check", "--baseline", "baseline.json", ".", cwd=cwd)
    assert (moved.returncode, moved.stdout) == (0, "")
    # a new violation fails, alone
    items = cwd / "app" / "api" / "items.py"
    items.write_text(items.read_text() + "\n\nasync def slow():\n    time.sleep(1)\n")
    new = truthlint("check", "--baseline", "baseline.json", ".", cwd=cwd)
    assert new.returncode == 1
    assert [line_.split(" ", 2)[1] for line_ in new.stdout.splitlines()] == ["TBV003"]
    assert new.stdout.startswith("app/api/items.py:")
    # a fixed finding is reported as removable; --update-baseline only removes
    main.write_text(main.read_text().replace("\ninit_db()\n", "\n"))
    fixed = truthlint("check", "--baseline", "baseline.json", ".", cwd=cwd)
    assert "1 baseline entries are fixed and can be removed (run with --update-baseline)" \
        in fixed.stderr
    update = truthlint("check", "--baseline", "baseline.json", "--update-baseline", ".", cwd=cwd)
    after = json.loads((cwd / "baseline.json").read_text())["entries"]
    assert len(after) == len(entries) - 1 and update.returncode == 1
    assert not any(e["code"] == "TBV003" and e["path"] == "app/api/items.py" for e in after)
    forced = truthlint("check", "--baseline", "baseline.json", "--update-baseline", "--force",
                       ".", cwd=cwd)
    assert forced.returncode == 0
    assert any(e["code"] == "TBV003" and e["path"] == "app/api/items.py"
               for e in json.loads((cwd / "baseline.json").read_text())["entries"])


def test_flake8_plugin_reads_the_same_baseline(project):
    cwd = project / "examples"
    truthlint("check", "--write-baseline", "baseline.json", ".", cwd=cwd)
    hidden = run_flake8("--select", "STI,TBV,SOI",
                        "--truthlint-baseline", "baseline.json", ".", cwd=cwd)
    assert hidden.stdout == "" and hidden.returncode == 0
    missing = run_flake8("--truthlint-baseline", "nope.json", ".", cwd=cwd)
    assert missing.returncode == 2 and "nope.json" in missing.stderr


def test_update_baseline_needs_a_baseline():
    result = truthlint("check", "--update-baseline", "examples/")
    assert result.returncode == 2 and "needs --baseline" in result.stderr


def test_map_is_deterministic_and_complete(project):
    cwd = project / "examples"
    first = truthlint("map", ".", cwd=cwd)
    second = truthlint("map", ".", cwd=cwd)
    assert first.returncode == 0 and first.stdout == second.stdout
    text = first.stdout
    for heading in ("## Layer distribution", "## Directory truth map", "## Layer dependencies",
                    "```mermaid", "## Runtime-trigger map", "## State ownership map",
                    "## Findings by code"):
        assert heading in text
    assert "| L2 | L5 | 2 | ✗ violation |" in text
    assert ("| costsim_cb_state | CostSimCBState (app/db.py:13), CostSimCBStateModel "
            "(app/models/costsim_cb.py:7) | — |") in text
    assert "  L2 -.->|2 ✗| L5" in text
    assert "| api | L2 | L2 | route ×4 | 4 |" in text  # each module's role, behaviour first
    # no behaviour, no layer: "—", never a guessed L4 (which read as false mismatches)
    assert "| services | L4 | — | service ×4 | 4 |" in text
    assert "| middleware | L6 | — | — | 4 | — |" in text
    data = json.loads(truthlint("map", ".", "--format", "json", cwd=cwd).stdout)
    assert data["directories"]["api"]["claimed"] == ["L2"]
    assert data["roles"]["app/api/guard.py"] == {
        "route": 'declares routes (`@router.post("/freeze/{tenant_id}")` (line 14))'}
    assert data["roles"]["app/models/item.py"]["model"].startswith("defines tables (`class Item")
    assert data["findings"]["TBV002"] == 1


def test_rules_and_explain():
    listing = truthlint("rules").stdout.splitlines()
    assert [line_.split()[0] for line_ in listing] == list(RULES)
    as_json = json.loads(truthlint("rules", "--format", "json").stdout)
    assert [r["code"] for r in as_json] == list(RULES)
    assert truthlint("explain", "TBV004").stdout.startswith("# TBV004 import-cycle\n")
    assert truthlint("explain", "NOPE1").returncode == 2


def test_pre_commit_hook_runs_on_staged_files(tmp_path):
    """Equivalent of `pre-commit try-repo`: the manifest's entry, on a sample repo's staged
    files, the way pre-commit calls it (entry + args + file names)."""
    manifest = (REPO / ".pre-commit-hooks.yaml").read_text()
    entry = re.search(r"- id: truthlint\n(?:  .*\n)*?  entry: (.+)\n", manifest).group(1)
    assert "require_serial: true" in manifest and "types: [python]" in manifest
    sample = tmp_path / "sample"
    shutil.copytree(REPO / "examples", sample, ignore=shutil.ignore_patterns(".truthlint_cache"))
    subprocess.run(["git", "init", "-q"], cwd=sample, check=True)
    subprocess.run(["git", "add", "app/main.py", "app/api/items.py"], cwd=sample, check=True)
    staged = subprocess.run(["git", "diff", "--cached", "--name-only"], cwd=sample,
                            capture_output=True, text=True, check=True).stdout.split()
    command = entry.split()
    assert command[0] == "truthlint"
    result = truthlint(*command[1:], *staged, cwd=sample)
    assert result.returncode == 1
    assert [line_.split(" ", 2)[1] for line_ in result.stdout.splitlines()] == [
        "TBV001", "TBV001"]
    assert "app/planners/__init__.py:17" in result.stdout  # the chain runs through unstaged code


def test_progress_bar_is_silent_off_a_terminal():
    result = truthlint("check", "examples/")
    assert result.stderr.splitlines() == [  # only the summary (the default codes here)
        f"truthlint: {len(result.stdout.splitlines())} findings in "
        f"{len({line.split(':')[0] for line in result.stdout.splitlines()})} of 44 files; "
        "2 fixable with --fix"]


def test_progress_bar_draws(capsys):
    from truthlint.run.pipeline import Bar as Progress

    bar = Progress(4)
    bar.advance(2)
    bar.close()
    assert "[###############...............] 2/4" in capsys.readouterr().err


def test_unchanged_tree_is_answered_from_the_results_cache(project):
    cwd = project / "examples"
    first = truthlint("check", ".", cwd=cwd)
    (results,) = (cwd / ".truthlint_cache").glob("results-*.json")
    second = truthlint("check", ".", cwd=cwd)
    assert second.stdout == first.stdout and second.returncode == first.returncode == 1
    # a change elsewhere invalidates it: the new cycle shows up in an untouched file
    models = cwd / "app" / "models" / "killswitch.py"
    models.write_text(models.read_text() + "\nfrom app.services import guard_write_service\n")
    third = truthlint("check", "--select", "TBV004", ".", cwd=cwd)
    assert "app/services/guard_write_service.py:3:1: TBV004" in third.stdout
    # so does a mode change, which changes no content
    (cwd / "app" / "runtime" / "replay.py").chmod(0o600)
    fourth = truthlint("check", "--select", "STI012", ".", cwd=cwd)
    assert fourth.stdout.startswith("app/runtime/replay.py:1:1: STI012")
    assert results.exists()
