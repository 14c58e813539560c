"""Rebuilds: only what changed is rendered again, and the result is the full build's, byte for byte."""

import shutil

import pytest

from tests.helpers import build_site


def tree(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def mtimes(folder):
    return {
        str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.suffix in (".html", ".atom")
    }


def rebuild(content_dir, output):
    return build_site(content_dir, output, DELETE_OUTPUT_DIRECTORY=False)


def fresh(content_dir, tmp_path, name="fresh"):
    """A full build with no cache at all, to compare with."""
    settings = {"content_dir": str(content_dir), "today": "2026-11-29", "incremental": False}
    return build_site(content_dir, tmp_path / name, RESERVE_CIVIQUE=settings)


CHANGES = {
    "mission-title": ("missions/colis-laon.yaml", "Je distribue des colis à Laon", "Je distribue des paniers à Laon"),
    "mission-closed": ("missions/colis-laon.yaml", "places: 6", "places: 6\nclosed: true"),
    "mission-places": ("missions/garde-ajaccio.yaml", "places:", "places: 9\n#"),
    "structure-name": ("structures/asso-test.yaml", "name: ", "name: Nouveau nom — "),
    "domain-label": ("domains.yaml", "label: ", "label: Urgence — "),
}


def forget_this_process():
    """What a new process would not have: the last run's manifest and content models in memory."""
    import catalog.cache

    catalog.cache.forget()


@pytest.mark.parametrize("process", ["same process (watching)", "new process"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_rebuild_after_a_change_equals_a_full_build(tmp_path, content_dir, edit, change, process):
    output = tmp_path / "output"
    rebuild(content_dir, output)
    if process == "new process":
        forget_this_process()
    edit(*CHANGES[change])
    rebuild(content_dir, output)
    assert tree(output) == tree(fresh(content_dir, tmp_path))


def test_a_rebuild_renders_only_what_changed(tmp_path, content_dir, edit):
    output = tmp_path / "output"
    rebuild(content_dir, output)
    before = mtimes(output)
    edit("missions/garde-ajaccio.yaml", "places:", "places: 9\n#")
    rebuild(content_dir, output)
    after = mtimes(output)
    rewritten = {path for path in before if after[path] != before[path]}
    assert "missions/garde-ajaccio/index.html" in rewritten
    assert "missions/colis-laon/index.html" not in rewritten
    assert "missions/appels-distance/index.html" not in rewritten
    assert "departements/02/index.html" not in rewritten  # no mission of the Aisne changed
    assert "departements/2A/index.html" in rewritten
    assert "flux/departements/2A.atom" in rewritten  # its newest missions include it
    assert "flux/departements/02.atom" not in rewritten
    assert "flux/missions.atom" in rewritten


def test_the_number_of_processes_renders_nothing_again(tmp_path, content_dir):
    output = tmp_path / "output"
    settings = {"content_dir": str(content_dir), "today": "2026-11-29"}
    build_site(content_dir, output, DELETE_OUTPUT_DIRECTORY=False, RESERVE_CIVIQUE={**settings, "processes": 1})
    first = mtimes(output)
    build_site(content_dir, output, DELETE_OUTPUT_DIRECTORY=False, RESERVE_CIVIQUE={**settings, "processes": 1})
    before = mtimes(output)
    always = {p for p in before if before[p] != first[p]}  # the few site-wide pages, made on every build
    build_site(content_dir, output, DELETE_OUTPUT_DIRECTORY=False, RESERVE_CIVIQUE={**settings, "processes": 2})
    after = mtimes(output)
    assert {p for p in before if after[p] != before[p]} == always
    assert "missions/colis-laon/index.html" not in always and len(always) < 20
    build_site(content_dir, output, DELETE_OUTPUT_DIRECTORY=False, RESERVE_CIVIQUE={**settings, "per_page": 1})
    assert mtimes(output)["missions/index.html"] != before["missions/index.html"]  # a setting of the output does


def test_a_removed_mission_leaves_no_file_behind(tmp_path, content_dir):
    output = tmp_path / "output"
    rebuild(content_dir, output)
    assert (output / "missions/colis-laon/mission.ics").is_file()
    (content_dir / "missions/colis-laon.yaml").unlink()
    rebuild(content_dir, output)
    assert not (output / "missions/colis-laon").exists()
    assert tree(output) == tree(fresh(content_dir, tmp_path))


def test_a_template_change_renders_every_page_again(tmp_path, content_dir):
    theme = tmp_path / "theme"
    shutil.copytree(build_site.__globals__["ROOT"] / "theme", theme)
    output = tmp_path / "output"
    build_site(content_dir, output, DELETE_OUTPUT_DIRECTORY=False, THEME=str(theme))
    mission = theme / "templates" / "mission.html"
    mission.write_text(mission.read_text(encoding="utf-8").replace("Qui peut aider", "Qui peut participer"))
    build_site(content_dir, output, DELETE_OUTPUT_DIRECTORY=False, THEME=str(theme))
    assert "Qui peut participer" in (output / "missions/colis-laon/index.html").read_text(encoding="utf-8")


def test_a_deleted_output_file_is_written_again(tmp_path, content_dir):
    output = tmp_path / "output"
    rebuild(content_dir, output)
    (output / "missions/colis-laon/index.html").unlink()
    rebuild(content_dir, output)
    assert (output / "missions/colis-laon/index.html").is_file()


def test_a_rebuild_writes_again_only_the_pieces_files_of_what_changed(tmp_path, content_dir, edit):
    output = tmp_path / "output"
    rebuild(content_dir, output)
    folder = next((tmp_path / "cache" / "reserve_civique").glob("*/manifest.marshal")).parent

    def states():
        return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("pieces-*.marshal")}

    before = states()
    edit("missions/garde-ajaccio.yaml", "places:", "places: 9\n#")
    rebuild(content_dir, output)
    after = states()
    written = {name for name in after if after[name] != before.get(name)} | (set(before) - set(after))
    assert len(before) >= 3  # five missions over several files
    assert 1 <= len(written) <= 2  # the changed mission's old key left one file, its new key joined one


def test_the_garbage_collector_is_back_after_a_build_even_a_failed_one(tmp_path, content_dir, edit):
    """The build pauses the cyclic collector (see the generator); the process gets it back."""
    import gc

    from reserve_civique.generator import CatalogBuildError

    output = tmp_path / "output"
    rebuild(content_dir, output)
    assert gc.isenabled()
    edit("missions/colis-laon.yaml", "places: 6", "places: -6")
    with pytest.raises(CatalogBuildError, match="places"):
        rebuild(content_dir, output)
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # the build's objects, left out of collections until the next build
    edit("missions/colis-laon.yaml", "places: -6", "places: 6")
    rebuild(content_dir, output)
    assert tree(output) == tree(fresh(content_dir, tmp_path))
