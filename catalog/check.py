"""The content check: ``python -m catalog.check [CONTENT_DIR]`` (``make check``).

Prints every problem, one per line (``file:line: field: message``), errors
first then warnings, and exits with status 1 when there is any error.
``--format github`` prints them as GitHub workflow commands (annotations on the
lines of a pull request); ``--format gitlab`` writes a GitLab Code Quality report
(to ``--output``, or standard output).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from . import reports
from .loader import load_content


def main(argv: list[str] | None = None) -> int:
    """Run the check; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="catalog.check", description="Vérifie le contenu (missions, structures, domaines)."
    )
    parser.add_argument("content_dir", nargs="?", default="content", help="dossier du contenu (par défaut : content)")
    parser.add_argument(
        "--today", type=dt.date.fromisoformat, default=None, help="date du jour, AAAA-MM-JJ (pour les tests)"
    )
    parser.add_argument("--strict", action="store_true", help="les avertissements font aussi échouer la vérification")
    parser.add_argument(
        "--processes",
        type=int,
        default=os.cpu_count() or 1,
        help="processus de lecture des fichiers, pour un gros contenu (par défaut : un par cœur)",
    )
    parser.add_argument(
        "--format",
        choices=("text", "github", "gitlab"),
        default="text",
        help="text : une ligne par problème ; github : annotations GitHub Actions ; "
        "gitlab : rapport Code Quality de GitLab (JSON)",
    )
    parser.add_argument(
        "--output", default=None, help="avec --format gitlab : fichier du rapport (par défaut : la sortie standard)"
    )
    args = parser.parse_args(argv)

    content_dir = Path(args.content_dir)
    if not content_dir.is_dir():
        print(f"{args.content_dir}: dossier introuvable", file=sys.stderr)
        return 2
    result = load_content(content_dir, today=args.today, display_root=Path.cwd(), processes=max(1, args.processes))
    problems = result.errors + result.warnings
    failed = bool(result.errors or (args.strict and result.warnings))
    if args.format == "gitlab":
        if args.output is None:
            sys.stdout.write(reports.gitlab_json(problems))  # the report is the output: nothing else
            return 1 if failed else 0
        Path(args.output).write_text(reports.gitlab_json(problems), encoding="utf-8")
    for problem in problems:  # with a report file, the job's log still reads as usual
        print(reports.github_command(problem) if args.format == "github" else problem)
    catalog = result.catalog
    summary = (
        f"{len(catalog.missions)} mission(s), {len(catalog.structures)} structure(s), "
        f"{len(catalog.domains)} domaine(s) ; {len(result.errors)} erreur(s), {len(result.warnings)} avertissement(s)"
    )
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
