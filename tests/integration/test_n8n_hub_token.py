"""n8n's hub token: compose and the systemd units run `solo-brain n8n import|start` with no
HUB_TOKEN to paste, so the credentials get one of scope `full`, made once under var/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg

from solo_brain.mesh.store.tokens import hash_token
from tests.support.processes import run_cli


def _hub_credentials(pg_dsn: str, var_dir: Path, output: Path, **env: str) -> dict[str, Any]:
    result = run_cli(pg_dsn, "n8n", "credentials", "--output", str(output),
                     SOLO_BRAIN_VAR_DIR=str(var_dir), **env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    (credential,) = [c for c in json.loads(output.read_text()) if c["type"] == "ccMeshApi"]
    return dict(credential["data"])


def test_without_hub_token_the_credentials_carry_a_full_token_made_once(
    pg_dsn: str, tmp_path: Path
) -> None:
    """With HUB_TOKEN unset, the "CC Mesh hub" credential gets a live token of scope full, the
    same one at every run (kept under var/), never the "not-configured" placeholder."""
    first = _hub_credentials(pg_dsn, tmp_path / "var", tmp_path / "a.json")
    again = _hub_credentials(pg_dsn, tmp_path / "var", tmp_path / "b.json")
    token = first["token"]
    assert token == again["token"] and token != "not-configured"
    with psycopg.connect(pg_dsn) as conn:
        rows = conn.execute(
            "SELECT name, scope FROM assistant.tokens WHERE hash = %s AND revoked_at IS NULL",
            (hash_token(token),),
        ).fetchall()
    assert rows == [("local-n8n", "full")]


def test_a_hub_token_that_is_set_is_used_and_none_is_made(pg_dsn: str, tmp_path: Path) -> None:
    """HUB_TOKEN, when set, is the credential's token, and no token is created for n8n."""
    count = "SELECT count(*) FROM assistant.tokens"
    with psycopg.connect(pg_dsn) as conn:
        before = conn.execute(count).fetchone()
    data = _hub_credentials(pg_dsn, tmp_path / "var", tmp_path / "a.json", HUB_TOKEN="sb_given")
    assert data["token"] == "sb_given"
    assert not (tmp_path / "var" / "local-n8n.token").exists()
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute(count).fetchone() == before
