"""Settings: read once from the environment and a .env file; one clear line per mistake."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.ops.config import DEFAULT_API_URL, DEFAULT_KNOWLEDGE, ConfigError, load_config
from bot.ops.logs import RedactingFilter, configure_logging

TOKEN = "123456:ABC-def_ghi"
BASE = {"TELEGRAM_TOKEN": TOKEN}


@pytest.fixture(autouse=True)
def no_dotenv_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from an empty folder, so a developer's ./.env never leaks into a test."""
    monkeypatch.chdir(tmp_path)


def test_defaults() -> None:
    c = load_config(environ=BASE)
    assert c.token == TOKEN
    assert c.admin_ids == frozenset()
    assert c.api_url == DEFAULT_API_URL
    assert c.knowledge_dir == DEFAULT_KNOWLEDGE and c.data_dir == Path("data")
    assert c.log_level == "INFO" and c.flood_limit == 20 and c.hash_key is None and c.webhook_secret is None
    assert c.retention_days == 90 and c.hash_key_file.name == "hash.key" and not c.hash_key_file.is_relative_to(Path("data").resolve())


@pytest.mark.parametrize(
    ("name", "raw", "field", "expected"),
    [
        ("ADMIN_IDS", "1, 22 ,333", "admin_ids", frozenset({1, 22, 333})),
        ("ADMIN_IDS", "42,", "admin_ids", frozenset({42})),
        ("TELEGRAM_API_URL", "http://127.0.0.1:8081/bot/", "api_url", "http://127.0.0.1:8081/bot"),
        ("KNOWLEDGE_DIR", "/srv/kb", "knowledge_dir", Path("/srv/kb")),
        ("DATA_DIR", "var", "data_dir", Path("var")),
        ("LOG_LEVEL", "debug", "log_level", "DEBUG"),
        ("FLOOD_LIMIT", "5", "flood_limit", 5),
        ("HASH_KEY", "0123456789abcdef-key", "hash_key", b"0123456789abcdef-key"),
        ("WEBHOOK_SECRET", "abc_DEF-123", "webhook_secret", "abc_DEF-123"),
        ("WEBHOOK_PORT", "8080", "webhook_port", 8080),
        ("SEND_RETRIES", "0", "send_retries", 0),
        ("RETENTION_DAYS", "30", "retention_days", 30),
        ("HASH_KEY_FILE", "/etc/voip/hash.key", "hash_key_file", Path("/etc/voip/hash.key")),
        ("XDG_CONFIG_HOME", "/home/me/.cfg", "hash_key_file", Path("/home/me/.cfg/voip-maroc-bot/hash.key")),
    ],
)
def test_each_setting_is_read(name: str, raw: str, field: str, expected: object) -> None:
    assert getattr(load_config(environ={**BASE, name: raw}), field) == expected


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"TELEGRAM_TOKEN": ""}, "TELEGRAM_TOKEN"),
        ({"TELEGRAM_TOKEN": "not a token"}, "TELEGRAM_TOKEN"),
        ({"ADMIN_IDS": "12,bob"}, "ADMIN_IDS"),
        ({"ADMIN_IDS": "1.5"}, "ADMIN_IDS"),
        ({"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"FLOOD_LIMIT": "many"}, "FLOOD_LIMIT"),
        ({"FLOOD_LIMIT": "0"}, "FLOOD_LIMIT"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT"),
        ({"HASH_KEY": "short"}, "HASH_KEY"),
        ({"WEBHOOK_SECRET": "has spaces"}, "WEBHOOK_SECRET"),
        ({"RETENTION_DAYS": "0"}, "RETENTION_DAYS"),
        ({"DATA_DIR": "/srv/bot", "HASH_KEY_FILE": "/srv/bot/keys/hash.key"}, "HASH_KEY_FILE"),
    ],
)
def test_a_malformed_setting_is_one_line_naming_it(values: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(environ={**BASE, **values})
    message = str(error.value)
    assert message.startswith(f"{named}:") and "\n" not in message


@pytest.mark.parametrize("bad_token", ["123456:secret part with spaces", "just-a-secret-value"])
def test_a_bad_token_is_never_quoted(bad_token: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(environ={"TELEGRAM_TOKEN": bad_token})
    assert bad_token not in str(error.value) and "secret" not in str(error.value)


def test_token_optional_for_curator_commands() -> None:
    assert load_config(environ={}, require_token=False).token == ""


def test_repr_hides_the_token_and_the_keys() -> None:
    c = load_config(environ={**BASE, "HASH_KEY": "0123456789abcdef-key", "WEBHOOK_SECRET": "hook-secret"})
    text = repr(c)
    assert TOKEN not in text and "0123456789abcdef-key" not in text and "hook-secret" not in text


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / "bot.env"
    env_file.write_text(f"TELEGRAM_TOKEN={TOKEN}\nADMIN_IDS=7\nFLOOD_LIMIT=3\n# a comment\n", encoding="utf-8")
    c = load_config(env_file, {"FLOOD_LIMIT": "9"})
    assert c.token == TOKEN and c.admin_ids == {7} and c.flood_limit == 9


def test_dotenv_in_the_current_folder_is_used_by_default(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"TELEGRAM_TOKEN={TOKEN}\nADMIN_IDS=8\n", encoding="utf-8")
    assert load_config(environ={}).admin_ids == {8}


def test_missing_env_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--env-file: "):
        load_config(tmp_path / "missing.env", {})


def test_empty_variable_means_unset() -> None:
    assert load_config(environ={**BASE, "FLOOD_LIMIT": "", "TELEGRAM_API_URL": " "}).flood_limit == 20


def test_command_line_overrides_win() -> None:
    c = load_config(environ={**BASE, "KNOWLEDGE_DIR": "a"}, overrides={"KNOWLEDGE_DIR": "b"})
    assert c.knowledge_dir == Path("b")


@pytest.mark.parametrize(
    ("api_url", "file_url"),
    [
        ("https://api.telegram.org/bot", "https://api.telegram.org/file/bot"),
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081/file/bot"),
    ],
)
def test_file_url_follows_the_api_url(api_url: str, file_url: str) -> None:
    assert load_config(environ={**BASE, "TELEGRAM_API_URL": api_url}).file_url == file_url


@pytest.mark.parametrize(
    "line",
    [
        "HTTP Request: POST http://127.0.0.1/bot{token}/getUpdates \"HTTP/1.1 200 OK\"",
        "Set Bot API URL: https://api.telegram.org/bot{token}",
        "encoded: bot{encoded}/sendMessage",
    ],
)
def test_log_lines_never_show_the_token(line: str) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter([TOKEN]))
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(line.format(token=TOKEN, encoded=TOKEN.replace(":", "%3A")))
        try:
            raise RuntimeError(f"failed calling https://api.telegram.org/bot{TOKEN}/getMe")
        except RuntimeError:
            logger.exception("with %s in the arguments", TOKEN)
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "ABC-def_ghi" not in output and "<redacted>" in output


def test_library_loggers_stay_quiet_whatever_the_level() -> None:
    """At DEBUG, python-telegram-bot would log whole updates (user ids, questions) and httpx every URL."""
    stream = io.StringIO()
    configure_logging("DEBUG", [TOKEN], stream=stream)
    logging.getLogger("telegram.ext.Application").debug("update from user 4242: quand la VoIP ?")
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot.../sendMessage")
    logging.getLogger("bot.telegram.handlers").debug("private question: answered when-restored")
    output = stream.getvalue()
    assert "4242" not in output and "HTTP Request" not in output
    assert "private question: answered" in output
