"""The content cache: a second run parses only changed files and reports exactly the same problems."""

from catalog import load_content
from conftest import TODAY


def load(content_dir, cache):
    return load_content(content_dir, today=TODAY, display_root=content_dir.parent, cache_dir=cache)


def test_cached_run_gives_the_same_catalog_and_problems(tmp_path, content_dir, edit):
    edit("missions/colis-laon.yaml", "places: 6", "places: -1")
    cache = tmp_path / "cache"
    first = load(content_dir, cache)
    assert (cache / "content.marshal").is_file()
    second = load(content_dir, cache)
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]
    assert any("places" in str(p) for p in second.errors)
    assert second.catalog == first.catalog


def test_an_edited_file_is_parsed_again(tmp_path, content_dir, edit):
    cache = tmp_path / "cache"
    assert not load(content_dir, cache).errors
    edit("missions/colis-laon.yaml", "title: Je distribue", "title: [Je distribue")
    result = load(content_dir, cache)
    assert [p.path for p in result.errors] == ["content/missions/colis-laon.yaml"]
    edit("missions/colis-laon.yaml", "title: [Je distribue", "title: Je livre")
    assert load(content_dir, cache).catalog.missions["colis-laon"].title.startswith("Je livre")


def test_a_damaged_cache_is_ignored(tmp_path, content_dir):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "content.marshal").write_bytes(b"not a pickle")
    assert len(load(content_dir, cache).catalog.missions) == len(load(content_dir, None).catalog.missions)


def test_parsing_in_worker_processes_gives_the_same_catalog_and_problems(tmp_path):
    from bench.generate import generate
    from catalog.loader import PARALLEL_FROM

    content = tmp_path / "content"
    generate(content, missions=PARALLEL_FROM + 50, structures=20)
    broken = content / "missions" / "mission-00007.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("places:", "places: -3\n#", 1), encoding="utf-8")
    serial = load_content(content, today=TODAY, display_root=tmp_path)
    parallel = load_content(content, today=TODAY, display_root=tmp_path, processes=2)
    assert parallel.catalog == serial.catalog
    assert [str(p) for p in parallel.problems] == [str(p) for p in serial.problems]
    assert any("mission-00007.yaml" in str(p) for p in parallel.errors)
