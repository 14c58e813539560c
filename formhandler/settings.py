"""The handler's settings: one typed list with defaults and help (kept in the README by a test).

Values come, in order, from these defaults, ``instance/config.py``, ``FLASK_*``
environment variables (``FLASK_DATABASE``, ``FLASK_MAIL_SERVER``…), then the
test mapping. An unknown or mistyped setting stops the start with a hint.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from catalog.emails import InvalidAddress, check_address

from .coordinators import coordinators_by_department
from .signing import stored_key


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    type: type
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATABASE",
        "var/reserve-civique.sqlite3",
        str,
        "base des candidatures et du courrier sortant : un fichier SQLite (chemin, ou sqlite:///chemin/absolu),"
        " ou postgresql://utilisateur@serveur/base pour plusieurs serveurs",
    ),
    Setting("CONTENT_DIR", "content", str, "dossier du contenu (missions, structures, domaines)"),
    Setting(
        "CONTENT_RELOAD_SECONDS",
        30,
        int,
        "délai entre deux vérifications du contenu : une mission ajoutée est prise en compte sans redémarrage",
    ),
    Setting(
        "CACHE_DIR",
        "",
        str,
        "cache du contenu déjà lu (la liste complète des missions, pour les propositions et les commandes) ;"
        " vide : dossier cache/ à côté du fichier SQLite, ou dans var/ avec PostgreSQL",
    ),
    Setting(
        "EXPORTS_DIR",
        "",
        str,
        "dossier des fichiers que le service écrit pour la construction du site (places prises, bénévoles"
        " en attente) ; vide : dossier exports/ à côté du fichier SQLite, ou dans var/ avec PostgreSQL",
    ),
    Setting("THEME_DIR", "theme", str, "dossier du thème du site, dont le service reprend l'apparence pour ses pages"),
    Setting("SITE_URL", "http://127.0.0.1:8000", str, "adresse publique du site ; les redirections n'y mènent que là"),
    Setting("SITE_NAME", "Je veux aider", str, "nom du site dans les pages et les e-mails"),
    Setting(
        "IDENTITY",
        "etat",
        str,
        "apparence des pages du service, comme IDENTITY du site : « etat » (marque de l'État) ou « neutre »",
    ),
    Setting(
        "OPERATOR_NAME",
        "",
        str,
        "qui gère le site, nommé en haut et en bas des pages du service, comme OPERATOR du site"
        " (par exemple « Préfecture de l'Aisne ») ; vide : personne",
    ),
    Setting(
        "ALLOWED_ORIGINS",
        "",
        str,
        "origines admises pour les envois, séparées par des virgules (par défaut : celle de SITE_URL)",
    ),
    Setting(
        "TRUSTED_PROXIES",
        0,
        int,
        "nombre de mandataires inverses de confiance devant le service (X-Forwarded-For n'est lu qu'à travers eux)",
    ),
    Setting(
        "TODAY",
        None,
        str,
        "date du jour imposée (AAAA-MM-JJ), pour les tests et les démonstrations ; vide : la vraie date",
    ),
    Setting("RETENTION_DAYS", 183, int, "durée de conservation des candidatures, en jours (six mois)"),
    Setting(
        "MIN_FILL_SECONDS",
        3,
        int,
        "durée de saisie en deçà de laquelle une candidature, enregistrée comme les autres, est signalée aux"
        " coordinateurs (`applications list`)",
    ),
    Setting(
        "RATELIMIT_PER_IP", "10 per minute;50 per hour", str, "limite d'envois par adresse IP (syntaxe Flask-Limiter)"
    ),
    Setting("RATELIMIT_PER_EMAIL", "5 per hour", str, "limite d'envois par adresse e-mail de bénévole"),
    Setting(
        "RATELIMIT_PER_ANSWER",
        "6 per hour",
        str,
        "limite des réponses (accepter, décliner) à une même candidature, chacune écrivant au ou à la bénévole",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "",
        str,
        "stockage des compteurs de Flask-Limiter ; vide : un fichier SQLite à côté de DATABASE, partagé par tous"
        " les processus de la machine, ou la base PostgreSQL elle-même, partagée par toutes les machines ;"
        " redis://… possible aussi",
    ),
    Setting("MAX_CONTENT_LENGTH", 64 * 1024, int, "taille maximale d'une requête, en octets (413 au-delà)"),
    Setting(
        "OUTBOX_WORKER",
        "thread",
        str,
        "« thread » : le service envoie le courrier lui-même ; « none » : c'est `flask outbox run` qui s'en charge",
    ),
    Setting(
        "OUTBOX_RETRY_BASE",
        300,
        int,
        "premier délai avant une nouvelle tentative d'envoi, en secondes ; il double à chaque échec",
    ),
    Setting("OUTBOX_RETRY_MAX", 4000, int, "délai maximal entre deux tentatives, en secondes"),
    Setting(
        "OUTBOX_LIFETIME",
        432000,
        int,
        "durée pendant laquelle un e-mail est retenté avant d'être abandonné, en secondes (cinq jours)",
    ),
    Setting("OUTBOX_POLL_SECONDS", 1, int, "intervalle de scrutation du courrier en attente par le fil d'envoi"),
    Setting(
        "OUTBOX_SENDERS",
        4,
        int,
        "connexions SMTP simultanées de « flask outbox run » (chacune réserve ses propres e-mails)",
    ),
    Setting(
        "OUTBOX_LEASE_SECONDS", 120, int, "durée pendant laquelle un envoi en cours est réservé à un seul processus"
    ),
    Setting(
        "COORDINATORS_EMAIL",
        "reserve-civique@example.org",
        str,
        "adresse des coordinateurs (plusieurs : séparées par des virgules) : réponse aux confirmations (retrait,"
        " effacement des données), propositions de mission",
    ),
    Setting(
        "OPERATOR_EMAIL",
        "",
        str,
        "adresse prévenue quand un e-mail est définitivement refusé (plusieurs : séparées par des virgules ;"
        " vide : personne)",
    ),
    Setting(
        "ANSWER_REMINDER_DAYS",
        5,
        int,
        "jours sans réponse après lesquels une structure reçoit un rappel pour ses candidatures restées « nouvelles »"
        " (une fois) ; au double, les coordinateurs du département sont prévenus",
    ),
    Setting(
        "COORDINATORS",
        "",
        str,
        "coordinateurs de chaque département, qui reçoivent le résumé quotidien et les candidatures restées sans"
        " réponse : « 02=a@exemple.fr,b@exemple.fr;60=c@exemple.fr » ; un département absent : COORDINATORS_EMAIL",
    ),
    Setting("MAIL_SERVER", "127.0.0.1", str, "serveur SMTP"),
    Setting("MAIL_PORT", 8025, int, "port SMTP ; 8025 est le serveur de courrier local de `make run`"),
    Setting("MAIL_USE_TLS", False, bool, "STARTTLS"),
    Setting("MAIL_USE_SSL", False, bool, "SMTP sur TLS"),
    Setting("MAIL_USERNAME", None, str, "identifiant SMTP"),
    Setting("MAIL_PASSWORD", None, str, "mot de passe SMTP"),
    Setting(
        "MAIL_DEFAULT_SENDER",
        "Je veux aider <ne-pas-repondre@example.org>",
        str,
        "expéditeur des e-mails",
    ),
    Setting("MAIL_TIMEOUT", 10, int, "délai maximal d'une opération SMTP, en secondes"),
)

BY_NAME = {s.name: s for s in SETTINGS}
# Flask's and extensions' own keys that may also be set.
PASSTHROUGH_PREFIXES = (
    "SECRET_KEY",
    "TESTING",
    "DEBUG",
    "PROPAGATE_EXCEPTIONS",
    "SERVER_NAME",
    "RATELIMIT_",
    "MAIL_",
    "SESSION_",
    "PREFERRED_URL_SCHEME",
    "APPLICATION_ROOT",
    "TRAP_",
    "EXPLAIN_",
    "JSON",
    "USE_X_SENDFILE",
    "SEND_FILE",
    "TEMPLATES_AUTO_RELOAD",
    "MAX_FORM",
    "MAX_COOKIE",
    "PERMANENT_SESSION",
    "ENV",
    "PROVIDE_AUTOMATIC_OPTIONS",
    "TRUSTED_HOSTS",
    # set by the `flask` command itself (FLASK_APP, FLASK_RUN_FROM_CLI…)
    "APP",
    "RUN_",
    "SKIP_DOTENV",
)


IDENTITIES = ("etat", "neutre")  # as the site's IDENTITY (pelicanconf.py)
ADDRESS_LISTS = ("COORDINATORS_EMAIL", "OPERATOR_EMAIL")  # addresses separated by commas, checked at start


class SettingsError(Exception):
    """A setting is unknown or has the wrong type."""


def defaults() -> dict:
    """Every setting's default value."""
    return {s.name: s.default for s in SETTINGS}


PROJECT = Path(__file__).resolve().parent.parent
UNLIMITED = "1000000 per minute"


def local_config(folder, site_url: str, mail_port: int, *, rate_limits: bool = False, **overrides) -> dict:
    """The settings of a handler run on this machine (tests, ``make run``, benchmarks): its database in
    ``folder``, the project's content and theme, mail to the SMTP server on ``mail_port`` of this
    machine, rate limits out of reach unless ``rate_limits``; then ``overrides`` (any setting).

    ``create_app(local_config(...))`` for a handler in this process, :func:`environ` for another.
    """
    config = {
        "DATABASE": str(Path(folder) / Path(BY_NAME["DATABASE"].default).name),
        "CACHE_DIR": str(Path(folder) / "cache"),  # there too with a database server
        "CONTENT_DIR": str(PROJECT / "content"),
        "THEME_DIR": str(PROJECT / "theme"),
        "SITE_URL": site_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mail_port,
        # the key the deployment's processes share, kept in the folder (signed links survive a restart)
        "SECRET_KEY": stored_key(folder),
    }
    if not rate_limits:
        config.update(RATELIMIT_PER_IP=UNLIMITED, RATELIMIT_PER_EMAIL=UNLIMITED, RATELIMIT_PER_ANSWER=UNLIMITED)
    return {**config, **overrides}


def environ(config: dict) -> dict[str, str]:
    """``config`` as the ``FLASK_*`` environment variables that ``create_app()`` reads (another process)."""
    return {f"FLASK_{name}": str(value) for name, value in config.items() if value is not None}


def _coerce(setting: Setting, value):
    if value is None or (isinstance(value, setting.type) and not (setting.type is int and isinstance(value, bool))):
        return value
    if setting.type is bool and isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("1", "true", "yes", "oui", "on"):
            return True
        if lowered in ("0", "false", "no", "non", "off", ""):
            return False
    if setting.type is int and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    if setting.type is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise SettingsError(f"{setting.name} doit être de type {setting.type.__name__} (reçu {value!r}) : {setting.help}")


def check(config: dict, user_keys: set[str]) -> None:
    """Coerce known settings in place; refuse unknown upper-case keys that the user set."""
    for key in sorted(user_keys):
        if key in BY_NAME:
            config[key] = _coerce(BY_NAME[key], config[key])
        elif key.isupper() and not key.startswith(PASSTHROUGH_PREFIXES):
            close = difflib.get_close_matches(key, list(BY_NAME), n=1)
            hint = f" ; vouliez-vous dire {close[0]} ?" if close else ""
            raise SettingsError(f"réglage inconnu {key}{hint}")
    for setting in SETTINGS:
        if setting.name in config and setting.name not in user_keys:
            config[setting.name] = _coerce(setting, config[setting.name])
    if config.get("IDENTITY") not in IDENTITIES:
        raise SettingsError(f"IDENTITY doit valoir {' ou '.join(IDENTITIES)} (reçu {config.get('IDENTITY')!r})")
    for name in ADDRESS_LISTS:
        for part in (config.get(name) or "").split(","):
            if part.strip():
                try:
                    check_address(part)
                except InvalidAddress as problem:
                    raise SettingsError(
                        f"{name} : « {part.strip()} » n'est pas une adresse e-mail ({problem})"
                    ) from None
    try:
        coordinators_by_department(config.get("COORDINATORS") or "")
    except ValueError as problem:
        raise SettingsError(f"COORDINATORS : {problem}") from None
    if config.get("ANSWER_REMINDER_DAYS", 1) < 1:
        raise SettingsError(f"ANSWER_REMINDER_DAYS doit valoir au moins 1 (reçu {config['ANSWER_REMINDER_DAYS']})")
