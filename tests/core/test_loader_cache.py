"""The content cache: a second run parses only changed files and reports exactly the same problems."""

import os

import catalog.cache
from catalog import load_content
from tests.helpers import TODAY


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
    from catalog.cache import PARALLEL_FROM

    content = tmp_path / "content"
    generate(content, missions=PARALLEL_FROM + 50, structures=20)
    broken = content / "missions" / "mission-00007.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("places:", "places: -3\n#", 1), encoding="utf-8")
    serial = load_content(content, today=TODAY, display_root=tmp_path)
    parallel = load_content(content, today=TODAY, display_root=tmp_path, processes=2, cache_dir=tmp_path / "cache")
    assert parallel.catalog == serial.catalog
    assert [str(p) for p in parallel.problems] == [str(p) for p in serial.problems]
    assert any("mission-00007.yaml" in str(p) for p in parallel.errors)
    # what the workers pickled is what the next run (a new process) reads from the cache
    catalog.cache.forget()
    cached = load_content(content, today=TODAY, display_root=tmp_path, processes=2, cache_dir=tmp_path / "cache")
    assert cached.catalog == serial.catalog
    assert [str(p) for p in cached.problems] == [str(p) for p in serial.problems]


def _reads(monkeypatch) -> list[str]:
    """Record which content files the loader reads from disk."""
    read, seen = catalog.cache._read, []

    def recording(path):
        seen.append(os.path.basename(path))
        return read(path)

    monkeypatch.setattr(catalog.cache, "_read", recording)
    return seen


def test_files_unchanged_since_long_before_their_reading_are_not_read_again(tmp_path, content_dir, monkeypatch):
    cache = tmp_path / "cache"
    first = load(content_dir, cache)
    monkeypatch.setattr(catalog.cache, "RACY_NS", -(10**15))  # as if every file had been read long after its change
    catalog.cache.forget()  # a new process
    reads = _reads(monkeypatch)
    assert load(content_dir, cache).catalog == first.catalog  # one more run: it notes the files' states
    reads.clear()
    assert load(content_dir, cache).catalog == first.catalog
    assert reads == []
    mission = content_dir / "missions" / "colis-laon.yaml"
    mission.write_text(mission.read_text(encoding="utf-8").replace("places: 6", "places: 7"), encoding="utf-8")
    result = load(content_dir, cache)
    assert reads == ["colis-laon.yaml"]
    assert result.catalog.missions["colis-laon"].places == 7


def test_a_file_changed_just_before_its_reading_is_read_again(tmp_path, content_dir, monkeypatch):
    """Its state could stay the same through a change within the clock's tick (same size, same times)."""
    cache = tmp_path / "cache"
    mission = content_dir / "missions" / "colis-laon.yaml"
    mission.write_bytes(mission.read_bytes())  # changed just now
    load(content_dir, cache)
    reads = _reads(monkeypatch)
    load(content_dir, cache)
    assert "colis-laon.yaml" in reads


def test_one_process_reuses_its_last_run_without_unpickling(tmp_path, content_dir, monkeypatch):
    import pickle

    cache = tmp_path / "cache"
    first = load(content_dir, cache)
    unpickled = []
    loads = pickle.loads
    monkeypatch.setattr(pickle, "loads", lambda data: unpickled.append(1) or loads(data))
    assert load(content_dir, cache).catalog == first.catalog
    assert unpickled == []
    # another process wrote the cache file: it is read from disk
    (cache / "content.marshal").write_bytes((cache / "content.marshal").read_bytes())
    assert load(content_dir, cache).catalog == first.catalog
    assert unpickled
