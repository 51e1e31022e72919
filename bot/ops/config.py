"""Settings of the Telegram bot, read once from the environment and an optional .env file.

`load_config` is the only place that looks at the process environment; the
resulting frozen `Config` is passed down to everything else. A malformed
setting raises `ConfigError`, whose message is one line naming the variable
and never quoting the token.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_API_URL = "https://api.telegram.org/bot"
# In a checkout, the repository (bot/ops/config.py -> its grandparent's parent).
REPOSITORY = Path(__file__).resolve().parents[2]


def bundled_knowledge() -> Path:
    """The knowledge folder: the repository's in a checkout, else the copy the wheel ships inside `bot`."""
    checkout = REPOSITORY / "knowledge"
    if (checkout / "settings.yaml").is_file():
        return checkout
    return Path(str(resources.files("bot") / "knowledge"))


DEFAULT_KNOWLEDGE = bundled_knowledge()


def default_key_file(config_home: str | None = None) -> Path:
    """Where the generated hashing key lives: the user's config folder, never DATA_DIR."""
    return Path(config_home or Path.home() / ".config") / "voip-maroc-bot" / "hash.key"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Telegram's tokens are "<bot id>:<secret>"; checking the shape catches a
# pasted username or a truncated value before the first network round trip.
TOKEN_PATTERN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
# Telegram only accepts these characters in setWebhook's secret_token.
SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
MIN_HASH_KEY_CHARS = 16


class ConfigError(Exception):
    """A missing or malformed setting; str() is one line naming the variable."""


@dataclass(frozen=True)
class Config:
    """Everything the Telegram layer needs to know about its surroundings."""

    token: str = field(repr=False)
    admin_ids: frozenset[int] = frozenset()
    api_url: str = DEFAULT_API_URL
    knowledge_dir: Path = DEFAULT_KNOWLEDGE
    data_dir: Path = Path("data")
    log_level: str = "INFO"
    # None: a key generated once into hash_key_file, kept apart from data_dir
    # so that a copy of the data alone cannot re-identify users.
    hash_key: bytes | None = field(default=None, repr=False)
    hash_key_file: Path = field(default_factory=lambda: default_key_file())
    retention_days: int = 90
    # None: a fresh random secret per run (set again with setWebhook at start).
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    flood_limit: int = 20
    send_retries: int = 5

    @property
    def file_url(self) -> str:
        """The Bot API's file URL next to `api_url` (".../bot" -> ".../file/bot")."""
        base, sep, _ = self.api_url.rpartition("/bot")
        return f"{base}/file/bot" if sep else self.api_url

    def secrets(self) -> tuple[str, ...]:
        """Values that must never reach a log line."""
        return tuple(s for s in (self.token, self.webhook_secret) if s)


def read_environment(env_file: Path | None = None, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The settings visible to the bot: `env_file` (or ./.env if present) overlaid by `environ`."""
    environ = os.environ if environ is None else environ
    if env_file is not None and not env_file.exists():
        raise ConfigError(f"--env-file: no such file: {env_file}")
    path = env_file if env_file is not None else Path(".env")
    from_file = {k: v for k, v in dotenv_values(path).items() if v is not None} if path.exists() else {}
    # An empty variable means "unset", as in most .env conventions.
    merged = {**from_file, **environ}
    return {k: v.strip() for k, v in merged.items() if v.strip()}


def load_config(
    env_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    require_token: bool = True,
    overrides: Mapping[str, str] | None = None,
) -> Config:
    """Read and check every setting once; `overrides` come from the command line and win."""
    values = {**read_environment(env_file, environ), **(overrides or {})}
    token = values.get("TELEGRAM_TOKEN", "")
    if require_token and not token:
        raise ConfigError("TELEGRAM_TOKEN: missing (get one from @BotFather, see .env.example)")
    if token and not TOKEN_PATTERN.match(token):
        raise ConfigError("TELEGRAM_TOKEN: does not look like a bot token (expected digits, a colon, then letters)")
    data_dir = Path(values.get("DATA_DIR", "data"))
    return Config(
        token=token,
        admin_ids=_admin_ids(values.get("ADMIN_IDS", "")),
        api_url=_url(values, "TELEGRAM_API_URL", DEFAULT_API_URL),
        knowledge_dir=Path(values.get("KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE),
        data_dir=data_dir,
        log_level=_choice(values, "LOG_LEVEL", "INFO", LOG_LEVELS),
        hash_key=_hash_key(values.get("HASH_KEY")),
        hash_key_file=_key_file(values, data_dir),
        retention_days=_int(values, "RETENTION_DAYS", 90, 1, 3650),
        webhook_secret=_secret(values.get("WEBHOOK_SECRET")),
        webhook_listen=values.get("WEBHOOK_LISTEN", "0.0.0.0"),
        webhook_port=_int(values, "WEBHOOK_PORT", 8443, 1, 65535),
        flood_limit=_int(values, "FLOOD_LIMIT", 20, 1, 10_000),
        send_retries=_int(values, "SEND_RETRIES", 5, 0, 100),
    )


def _admin_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not re.fullmatch(r"-?\d+", part):
            raise ConfigError(f"ADMIN_IDS: '{part[:40]}' is not a Telegram user id (expected comma-separated numbers)")
        ids.add(int(part))
    return frozenset(ids)


def _url(values: Mapping[str, str], name: str, default: str) -> str:
    url = values.get(name, default).rstrip("/")
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(f"{name}: '{url[:80]}' is not an http(s) URL")
    return url


def _choice(values: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = values.get(name, default).upper()
    if value not in choices:
        raise ConfigError(f"{name}: '{value[:40]}' is not one of {', '.join(choices)}")
    return value


def _int(values: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = values.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: '{raw[:40]}' is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}: {value} is out of range ({low} to {high})")
    return value


def _hash_key(raw: str | None) -> bytes | None:
    if raw is None:
        return None
    if len(raw) < MIN_HASH_KEY_CHARS:
        raise ConfigError(f"HASH_KEY: too short (at least {MIN_HASH_KEY_CHARS} characters; or unset it to generate one)")
    return raw.encode("utf-8")


def _key_file(values: Mapping[str, str], data_dir: Path) -> Path:
    path = Path(values["HASH_KEY_FILE"]) if "HASH_KEY_FILE" in values else default_key_file(values.get("XDG_CONFIG_HOME"))
    if path.resolve().is_relative_to(data_dir.resolve()):
        raise ConfigError("HASH_KEY_FILE: must be outside DATA_DIR (whoever has both can re-identify users)")
    return path


def _secret(raw: str | None) -> str | None:
    if raw is not None and not SECRET_PATTERN.match(raw):
        raise ConfigError("WEBHOOK_SECRET: use 1 to 256 letters, digits, '_' or '-' (Telegram's rule)")
    return raw
