"""`make check` as a coordinator runs it: exit status and one problem per line."""

import os
import subprocess
import sys

from tests.helpers import ROOT


def run(*args, cwd=ROOT):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False, env=env)


def test_make_check_passes_on_the_demo_content():
    result = run("make", "--no-print-directory", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 erreur(s)" in result.stdout


def test_make_check_fails_on_broken_content_with_every_problem(content_dir, edit):
    edit("missions/colis-laon.yaml", "places: 6", "places: cinq")
    edit("missions/garde-ajaccio.yaml", "remote: false", "remote: false\nremote: true")
    (content_dir / "missions" / "tabs.yaml").write_text("title: x\n\tdomain: y\n", encoding="utf-8")
    result = run("make", "--no-print-directory", "check", f"CONTENT={content_dir}")
    assert result.returncode != 0
    shown = content_dir.relative_to(ROOT) if content_dir.is_relative_to(ROOT) else None
    lines = result.stdout.splitlines()
    problems = [line for line in lines if ".yaml:" in line and "avertissement" not in line]
    assert len(problems) == 3, result.stdout
    assert problems[0].endswith(
        "missions/colis-laon.yaml:19: places: doit être un entier supérieur ou égal à 1 (reçu « cinq »)"
    )
    assert problems[1].endswith("missions/garde-ajaccio.yaml:7: remote: clé en double (déjà définie ligne 6)")
    assert problems[2].endswith("missions/tabs.yaml:2: tabulation interdite : indentez avec des espaces")
    assert "Traceback" not in result.stdout + result.stderr
    assert shown is None or str(shown) in problems[0]


def test_paths_are_relative_to_where_the_check_runs(content_dir, edit):
    edit("missions/colis-laon.yaml", "places: 6", "places: 0")
    result = run(sys.executable, "-m", "catalog.check", "content", "--today", "2026-11-29", cwd=content_dir.parent)
    assert result.returncode == 1
    assert result.stdout.startswith("content/missions/colis-laon.yaml:19: places: ")


def test_strict_makes_warnings_fail(content_dir):
    result = run(sys.executable, "-m", "catalog.check", str(content_dir), "--today", "2026-11-29", "--strict")
    assert result.returncode == 1
    assert "avertissement" in result.stdout


def test_a_big_content_is_checked_by_every_core_with_the_same_report(tmp_path):
    from bench.generate import generate
    from catalog.cache import PARALLEL_FROM

    content = tmp_path / "content"
    generate(content, missions=PARALLEL_FROM + 50, structures=20)  # enough files for worker processes
    broken = content / "missions" / "mission-00007.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("places:", "places: -3\n#", 1), encoding="utf-8")
    check = (sys.executable, "-m", "catalog.check", str(content), "--today", "2026-11-29")
    alone, shared = run(*check, "--processes", "1"), run(*check, "--processes", "2")
    assert alone.returncode == shared.returncode == 1
    assert shared.stdout == alone.stdout
    assert "mission-00007.yaml" in shared.stdout and "places: " in shared.stdout


def test_missing_directory_is_a_clear_error(tmp_path):
    result = run(sys.executable, "-m", "catalog.check", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "dossier introuvable" in result.stderr
