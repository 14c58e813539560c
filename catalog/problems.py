"""Problems found in content: one per line, ``file:line: field: message``."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "erreur"
WARNING = "avertissement"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one content file.

    ``path`` is relative to the repository (as the coordinator sees it in a pull
    request), ``line`` is 1-based, ``field`` is a dotted path such as
    ``location.postal_code`` (empty when the whole file is at fault).
    """

    path: str
    line: int
    field: str
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        prefix = f"{self.path}:{self.line}: "
        if self.field:
            prefix += f"{self.field}: "
        if self.severity == WARNING:
            prefix += "avertissement : "
        return prefix + self.message


@dataclass
class ProblemList:
    """Accumulates problems so that every one is reported at once."""

    items: list[Problem] = field(default_factory=list)
    error_count: int = 0

    def add(self, path: str, line: int, field_name: str, message: str, severity: str = ERROR) -> None:
        """Record a problem."""
        self.items.append(Problem(path, line, field_name, message, severity))
        if severity == ERROR:
            self.error_count += 1

    def extend(self, problems: list[Problem]) -> None:
        """Record problems found elsewhere (a file's, checked apart)."""
        self.items.extend(problems)
        self.error_count += sum(problem.severity == ERROR for problem in problems)

    def warn(self, path: str, line: int, field_name: str, message: str) -> None:
        """Record a moderation hint that does not fail the check."""
        self.add(path, line, field_name, message, WARNING)

    @property
    def errors(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity == ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return sorted(p for p in self.items if p.severity == WARNING)


class ContentError(Exception):
    """Raised when content has errors; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"{len(problems)} erreur(s) dans le contenu :\n{lines}")


def quote(value: object) -> str:
    """Render a received value the French way: « value » (shortened if long)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "vide"
    else:
        text = str(value)
    text = text.replace("\n", " ")
    if len(text) > 60:
        text = text[:57] + "…"
    return f"« {text} »"
