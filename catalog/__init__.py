"""The content core of reserve-civique: model, loading and validation.

Pure Python: imports neither Pelican nor Flask, so the static site, the form
handler and the content check share one loader and one set of rules.
"""

from .loader import LoadResult, load_catalog, load_content, load_mission_catalog
from .models import CLOSED, OPEN, PAST, STRUCTURE_TYPES, Catalog, Contact, Domain, Location, Mission, Structure
from .problems import ContentError, Problem
from .public import PublicMission, SiteModel

__all__ = [
    "CLOSED",
    "OPEN",
    "PAST",
    "STRUCTURE_TYPES",
    "Catalog",
    "Contact",
    "ContentError",
    "Domain",
    "LoadResult",
    "Location",
    "Mission",
    "Problem",
    "PublicMission",
    "SiteModel",
    "Structure",
    "load_catalog",
    "load_content",
    "load_mission_catalog",
]
