"""The agent's configuration and its pure reconnection policy."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import InvalidMessage, InvalidStatus, InvalidURI
from websockets.http11 import Response

from mesh_agent.backoff import backoff_delays, is_retryable
from mesh_agent.config import ConfigError, load_config, load_hook_place
from mesh_protocol import agent_ws_url


def _status(code: int) -> InvalidStatus:
    return InvalidStatus(Response(code, "x", Headers()))


def test_flags_beat_environment_beat_config_file(tmp_path: Path) -> None:
    """A flag overrides the environment, which overrides the TOML file."""
    file = tmp_path / "agent.toml"
    file.write_text('hub = "https://file.example"\ntoken = "file-token"\nname = "fichier"\n')
    env = {"MESH_HUB_URL": "wss://env.example", "MESH_AGENT_TOKEN": "env-token"}
    config = load_config(file=file, env=env, flags={"name": "drapeau", "hub": None})
    assert (config.hub, config.token, config.name) == ("wss://env.example", "env-token", "drapeau")
    assert config.ws_url == "wss://env.example/api/agents/ws"


def test_claude_config_dir_comes_from_the_environment(tmp_path: Path) -> None:
    """CLAUDE_CONFIG_DIR decides where transcripts are read."""
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "claude"), "MESH_AGENT_TOKEN": "t0k3n"}
    config = load_config(file=None, env=env, flags={"hub": "http://hub:8100"})
    assert config.projects_dir == tmp_path / "claude" / "projects"
    assert len(str(config.socket_path)) < 100


@pytest.mark.parametrize(
    ("env", "flags", "message"),
    [
        ({}, {"token": "t"}, "no hub URL"),
        ({"MESH_HUB_URL": "http://h"}, {}, "no agent token"),
        ({"MESH_HUB_URL": "http://h"}, {"token": "changeme"}, "placeholder"),
        ({"MESH_HUB_URL": "http://h"}, {"token": "sbt_…"}, "placeholder"),  # the docs' example
        ({"MESH_HUB_URL": "http://h"}, {"token": "sbt_..."}, "placeholder"),
        ({"MESH_HUB_URL": "http://h"}, {"token": "sbt_abc déf"}, "printable ASCII"),
        ({"MESH_HUB_URL": "ftp://h"}, {"token": "t0k3n"}, "must start with http"),
        (
            {"MESH_HUB_URL": "http://h", "MESH_AGENT_PERMISSION_TIMEOUT_S": "-1"},
            {"token": "t"},
            "greater",
        ),
    ],
)
def test_bad_configuration_is_refused_with_a_clear_message(
    env: dict[str, str], flags: dict[str, str], message: str
) -> None:
    """Missing or invalid values stop the agent before it starts, saying what is wrong."""
    with pytest.raises(ConfigError, match=message) as refused:
        load_config(file=None, env=env, flags=flags)
    assert "Value error" not in str(refused.value)


def test_unreadable_or_invalid_config_file_is_reported(tmp_path: Path) -> None:
    """A missing file and invalid TOML are ConfigErrors naming the file."""
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(file=tmp_path / "absent.toml", env={}, flags={})
    bad = tmp_path / "bad.toml"
    bad.write_text("hub = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(file=bad, env={}, flags={})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('hub = "http://h"\ntoken = "t0k3n"\nhubb = "typo"\n')
    with pytest.raises(ConfigError, match="hubb"):
        load_config(file=unknown, env={}, flags={})


def test_hook_place_needs_no_hub_or_token(tmp_path: Path) -> None:
    """install-hook only needs the Claude folder and the relay socket."""
    place = load_hook_place(file=None, env={"CLAUDE_CONFIG_DIR": str(tmp_path)}, flags={})
    assert place.settings == tmp_path / "settings.json"
    assert place.socket_path.name.endswith(".sock")


@pytest.mark.parametrize(
    ("hub", "url"),
    [
        ("http://127.0.0.1:8100", "ws://127.0.0.1:8100/api/agents/ws"),
        ("https://assistant.example/", "wss://assistant.example/api/agents/ws"),
        ("https://h.example/mesh", "wss://h.example/mesh/api/agents/ws"),
        ("wss://h.example/api/agents/ws", "wss://h.example/api/agents/ws"),
    ],
)
def test_hub_base_url_becomes_the_agent_websocket_url(hub: str, url: str) -> None:
    """http(s) and ws(s) base URLs, with or without a prefix or the path, give the WS URL."""
    assert agent_ws_url(hub) == url


def test_network_failures_and_server_errors_are_retried() -> None:
    """Refused connections, timeouts, 5xx and 429 are transient."""
    assert is_retryable(ConnectionRefusedError())
    assert is_retryable(TimeoutError())
    assert is_retryable(InvalidMessage("eof"))
    for code in (429, 500, 502, 503, 504):
        assert is_retryable(_status(code))


def test_token_and_url_errors_are_fatal() -> None:
    """401, 403, 404 and an invalid URI cannot succeed by retrying."""
    for code in (401, 403, 404):
        assert not is_retryable(_status(code))
    assert not is_retryable(InvalidURI("x", "bad"))
    assert not is_retryable(ValueError("bug"))


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    """Delays double from the initial one, stay within ±25 %, and stop at the maximum."""
    delays = backoff_delays(initial=1.0, maximum=8.0)
    taken = [next(delays) for _ in range(8)]
    for delay, nominal in zip(taken, [1, 2, 4, 8, 8, 8, 8, 8], strict=True):
        assert nominal * 0.75 <= delay <= nominal * 1.25


def test_install_hook_says_when_no_agent_listens_on_its_socket(tmp_path: Path) -> None:
    """The hooks are installed all the same; the command says that, until an agent listens on
    that socket, the terminal alone asks (the usual reason the phone sees nothing)."""
    socket_path = tmp_path / "agent.sock"
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(tmp_path / "cc")}
    argv = [sys.executable, "-m", "mesh_agent", "install-hook", "--socket", str(socket_path)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    assert (tmp_path / "cc" / "settings.json").is_file()
    assert f"No agent listens on {socket_path} yet" in done.stdout
    with socket.socket(socket.AF_UNIX) as listening:
        listening.bind(str(socket_path))
        listening.listen()
        again = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    assert "No agent listens" not in again.stdout
