"""Pelican settings for the réserve civique catalog (development and default build)."""

import os

from jinja2 import StrictUndefined

SITENAME = "Je veux aider"
SITESUBTITLE = "Les missions de la réserve civique : aide alimentaire, garde d'enfants, lien avec les personnes isolées, solidarité de proximité."
# Absolute address of the site, used in feeds, open data, QR codes and Open Graph.
# Links inside pages are root-relative, so the site must be served at a domain's root.
SITEURL = os.environ.get("SITEURL", "http://127.0.0.1:8000")
RELATIVE_URLS = False
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
LOCALE = ("C.UTF-8",)  # dates are formatted by Babel, never by the system locale

# -- who runs the site, and its look ----------------------------------------------------
# The identity: "etat", the Système de Design de l'État with the State's brand (bloc-marque
# « République française », Marianne font, favicon), for a prefecture or another State service;
# "neutre", the same site without the brand (system fonts), for an association or a municipality,
# which may not use it. Only "etat" publishes theme/brand/ (THEME_STATIC_PATHS, below).
IDENTITY = "etat"
# The operator: named in the header and footer; its addresses make the contact page, and the
# legal notice and privacy page name it. These are the demo's values ("demo": True says so on
# those pages): replace them, then set "demo" to False.
OPERATOR = {
    "name": "Préfecture de l'Aisne",
    "service": "le service de la réserve civique de la préfecture",  # who answers: the coordinators
    "email": "reserve-civique@aisne.example.org",  # the coordinators' public address
    "phone": "03 53 01 00 02",  # a number set aside for fiction (ARCEP)
    "address": ("Préfecture de l'Aisne", "Service de la réserve civique", "2 rue Paul Doumer", "02010 Laon Cedex"),
    "publisher": "la préfecture de l'Aisne",  # éditeur du site
    "director": "le préfet de l'Aisne",  # directeur de la publication
    "controller": "la préfecture de l'Aisne, représentée par le préfet",  # responsable du traitement
    "dpo": "dpo@aisne.example.org",  # délégué à la protection des données
    "host": "la préfecture de l'Aisne, sur ses propres serveurs",  # hébergeur
    "demo": True,
}

PATH = "content"
THEME = "theme"
THEME_STATIC_PATHS = ["static", "brand"] if IDENTITY == "etat" else ["static"]
PAGE_PATHS = ["pages"]
ARTICLE_PATHS = ["articles"]  # no articles: missions come from the plugin
STATIC_PATHS = []
IGNORE_FILES = [".#*", "ressources"]  # no "*.yaml": the watching build (make run) must see them change
PAGE_URL = "{slug}/"
PAGE_SAVE_AS = "{slug}/index.html"
DIRECT_TEMPLATES = []
PAGINATED_TEMPLATES = {}
for _kind in ("ARTICLE", "ARTICLE_LANG", "DRAFT", "DRAFT_LANG", "PAGE_LANG", "DRAFT_PAGE", "DRAFT_PAGE_LANG",
              "CATEGORY", "TAG", "AUTHOR", "YEAR_ARCHIVE", "MONTH_ARCHIVE", "DAY_ARCHIVE"):  # fmt: skip
    globals()[f"{_kind}_SAVE_AS"] = ""
FEED_ALL_ATOM = FEED_ALL_RSS = CATEGORY_FEED_ATOM = CATEGORY_FEED_RSS = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = TRANSLATION_FEED_ATOM = TRANSLATION_FEED_RSS = None
TAG_FEED_ATOM = TAG_FEED_RSS = None

# Strict templates: an undefined variable fails the build instead of rendering empty.
JINJA_ENVIRONMENT = {
    "trim_blocks": True,
    "lstrip_blocks": True,
    "extensions": [],
    "undefined": StrictUndefined,
    "autoescape": True,  # content text is escaped; only sanitised HTML is marked safe
}
OUTPUT_RETENTION = []
DELETE_OUTPUT_DIRECTORY = False  # `invoke build` passes --delete-output-directory
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False

PLUGIN_PATHS = ["plugins"]
PLUGINS = ["reserve_civique", "pelican.plugins.sitemap"]
# No "exclude" patterns: the plugin announces the pages to leave out (thanks pages, 404, closed
# and past missions) as hidden, and two patterns tried on each of 12,500 URLs were half the
# sitemap's time.
SITEMAP = {"format": "xml"}

RESERVE_CIVIQUE = {
    "content_dir": "content",
    # Missions ended before this date are shown as past. None: today.
    "today": os.environ.get("RESERVE_CIVIQUE_TODAY") or None,
    "per_page": 20,
}
