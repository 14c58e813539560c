"""`make run` rebuilds what a coordinator changes (devtools/watch.py, with the real plugin)."""

import contextlib
import json
import subprocess
import threading
import time

from devtools import watch
from tests.helpers import ROOT, TODAY, pagefind_fragment


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@contextlib.contextmanager
def watching(tmp_path, content_dir, search_index=False):
    """The watching build of ``content_dir`` into ``tmp_path/output``, as `make run` starts it:
    ``(process, the lines it printed so far)``; stopped (SIGTERM, as the server does) on leaving."""
    settings = {"content_dir": str(content_dir), "today": TODAY.isoformat()}
    overrides = [f"PATH={json.dumps(str(content_dir))}", f"CACHE_PATH={json.dumps(str(tmp_path / 'cache'))}",
                 f"RESERVE_CIVIQUE={json.dumps(settings)}"]  # fmt: skip
    process = subprocess.Popen(
        watch.command(str(tmp_path / "output"), overrides=overrides, search_index=search_index), cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        yield process, lines
    finally:
        process.terminate()
        process.wait(10)
        reader.join(10)
        process.stdout.close()


def test_a_change_is_rebuilt_and_a_broken_file_is_reported_until_fixed(tmp_path, content_dir):
    output = tmp_path / "output"
    page = output / "missions" / "colis-laon" / "index.html"
    mission = content_dir / "missions" / "colis-laon.yaml"
    text = mission.read_text(encoding="utf-8")
    with watching(tmp_path, content_dir) as (process, lines):
        assert wait_for(lambda: page.is_file() and any("Site reconstruit" in line for line in lines)), "".join(lines)
        assert "Je distribue des colis à Laon" in page.read_text(encoding="utf-8")

        mission.write_text(text.replace("title: Je distribue", "title: [Je distribue"), encoding="utf-8")
        assert wait_for(lambda: any("colis-laon.yaml:2: syntaxe YAML invalide" in line for line in lines)), lines
        assert process.poll() is None  # still watching
        time.sleep(1)
        assert sum("La construction a échoué" in line for line in lines) == 1  # not retried before the next change

        mission.write_text(text.replace("des colis à Laon", "des paniers à Laon"), encoding="utf-8")
        assert wait_for(lambda: "Je distribue des paniers à Laon" in page.read_text(encoding="utf-8")), "".join(lines)


def indexed_titles(output) -> set[str]:
    """The titles the search index of ``output`` holds (read from Pagefind's fragments)."""
    titles = set()
    for fragment in (output / "pagefind" / "fragment").glob("*.pf_fragment"):
        titles.add(pagefind_fragment(fragment.read_bytes())["meta"]["title"])
    return titles


def indexing(output) -> bool:
    """Whether a Pagefind process is indexing ``output``."""
    return subprocess.run(["pgrep", "-f", f"pagefind --site {output}"], capture_output=True).returncode == 0


def test_make_run_refreshes_the_search_index_after_each_build(tmp_path, content_dir):
    output = tmp_path / "output"
    mission = content_dir / "missions" / "colis-laon.yaml"
    with watching(tmp_path, content_dir, search_index=True) as (_, lines):
        refreshed = lambda count: sum("Index de recherche mis à jour" in line for line in lines) >= count  # noqa: E731
        assert wait_for(lambda: refreshed(1)), "".join(lines)  # no index yet: made after the first build
        assert "Je distribue des colis à Laon" in indexed_titles(output)
        mission.write_text(mission.read_text(encoding="utf-8").replace("des colis à Laon", "des paniers à Laon"),
                           encoding="utf-8")  # fmt: skip
        assert wait_for(lambda: refreshed(2)), "".join(lines)
        titles = indexed_titles(output)
        assert "Je distribue des paniers à Laon" in titles and "Je distribue des colis à Laon" not in titles
        assert not (output / ".pagefind-next").exists()  # the new index took the old one's place
        built = sum("Site reconstruit" in line for line in lines)
        mission.write_text(mission.read_text(encoding="utf-8").replace("paniers", "repas"), encoding="utf-8")
        assert wait_for(lambda: sum("Site reconstruit" in line for line in lines) > built)
        assert wait_for(lambda: indexing(output) or refreshed(3))
        # stopped (as the server stops it), most likely while the index is refreshed: no Pagefind left behind
    assert not indexing(output)  # at once: killed with the watcher, not left to finish
