"""A proposal as a git branch, made without touching any checkout.

The handler serves the content of the checkout it runs in: switching that
checkout to a proposal's branch would publish an unreviewed mission (and take
along whatever was staged there). So the branch is written with git's
plumbing — blobs, a tree built in a temporary index, a commit whose parent is
the default branch, a new ref — and the working tree, the index and the
current branch stay as they are. The branch holds only the proposal's files.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

# who commits, when the repository names nobody (a server's checkout)
IDENTITY = {
    "GIT_AUTHOR_NAME": "Réserve civique",
    "GIT_AUTHOR_EMAIL": "reserve-civique@example.org",
    "GIT_COMMITTER_NAME": "Réserve civique",
    "GIT_COMMITTER_EMAIL": "reserve-civique@example.org",
}


class BranchError(Exception):
    """Git refused, or the branch cannot be made as asked; the message is French."""


@dataclass(frozen=True)
class Repository:
    root: Path

    @classmethod
    def of(cls, folder: Path) -> Repository:
        return cls(Path(_git(folder, "rev-parse", "--show-toplevel")))

    def git(self, *args: str, env: dict | None = None, stdin: str | None = None) -> str:
        return _git(self.root, *args, env=env, stdin=stdin)

    def exists(self, revision: str) -> bool:
        result = subprocess.run(["git", "-C", str(self.root), "cat-file", "-e", revision], capture_output=True)
        return result.returncode == 0

    def default_branch(self, remote: str | None = None) -> str:
        """The branch proposals start from: the remote's default branch, else ``main`` or ``master``."""
        if remote:
            head = subprocess.run(
                ["git", "-C", str(self.root), "symbolic-ref", "--short", f"refs/remotes/{remote}/HEAD"],
                capture_output=True,
                text=True,
            ).stdout.strip()
            if head:
                return head
        for name in ("main", "master"):
            if self.exists(f"refs/heads/{name}"):
                return name
        raise BranchError("aucune branche main ou master : indiquez la branche de départ avec --base")


def _git(folder: Path, *args: str, env: dict | None = None, stdin: str | None = None) -> str:
    result = subprocess.run(
        ["git", "-C", str(folder), *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, **(env or {})},
    )
    if result.returncode != 0:
        raise BranchError(f"git {args[0]} : {result.stderr.strip()}")
    return result.stdout.strip()


def commit_files(repo: Repository, base: str, branch: str, files: dict[str, str], message: str) -> str:
    """A new branch ``branch`` = ``base`` plus ``files`` (path from the repository's root → text); its commit.

    Nothing of the current checkout changes. Refused when the branch exists or a file already
    exists on ``base``.
    """
    if repo.exists(f"refs/heads/{branch}"):
        raise BranchError(f"la branche {branch} existe déjà")
    for path in files:
        if repo.exists(f"{base}:{path}"):
            raise BranchError(f"{path} existe déjà sur {base}")
    with tempfile.TemporaryDirectory() as folder:
        index = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
        repo.git("read-tree", base, env=index)
        for path, text in files.items():
            blob = repo.git("hash-object", "-w", "--stdin", stdin=text)
            repo.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=index)
        tree = repo.git("write-tree", env=index)
    identity = {} if repo.git("config", "--default", "", "user.email") else IDENTITY
    commit = repo.git("commit-tree", tree, "-p", base, "-m", message, env=identity)
    repo.git("update-ref", f"refs/heads/{branch}", commit, "")  # "": only if the ref does not exist yet
    return commit


def review_link(remote_url: str, base: str, branch: str) -> str | None:
    """The page that opens a pull (GitHub) or merge (GitLab) request of ``branch`` into ``base``."""
    match = re.match(
        r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/]+@)([^/:]+)(?::\d+)?[:/](.+?)(?:\.git)?/?$", remote_url
    )
    if not match:
        return None
    host, path = match.groups()
    if host == "github.com":
        return f"https://github.com/{path}/compare/{quote(base)}...{quote(branch)}?expand=1"
    if "gitlab" in host:
        return (
            f"https://{host}/{path}/-/merge_requests/new?merge_request%5Bsource_branch%5D={quote(branch, safe='')}"
            f"&merge_request%5Btarget_branch%5D={quote(base, safe='')}"
        )
    return None
