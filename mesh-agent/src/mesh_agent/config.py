"""The agent's configuration: command-line flags > environment > config file > defaults.

Config file (TOML, `--config FILE` or MESH_AGENT_CONFIG), every key optional:

    hub = "https://assistant.example"       # MESH_HUB_URL
    token = "..."                           # MESH_AGENT_TOKEN (scope `agent`)
    name = "gpu-server"                     # MESH_AGENT_NAME, default the hostname
    claude_config_dir = "~/.claude"         # CLAUDE_CONFIG_DIR
    relay_socket = "/run/user/1000/mesh-agent.sock"
    cli_path = "/usr/local/bin/claude"      # default: `claude` on PATH, else the bundled CLI
    permission_timeout_s = 600              # MESH_AGENT_PERMISSION_TIMEOUT_S
    hook_timeout_s = 300
    live_window_s = 15
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mesh_protocol import agent_ws_url

_PLACEHOLDERS = {"", "changeme", "change-me", "token", "xxx", "your-token", "<token>", "sbt_"}
# What `solo-brain token create` prints is sbt_ and 43 characters of base64url: printable ASCII,
# as an HTTP header must be.
_TOKEN_CHARS = re.compile(r"[!-~]+")


class ConfigError(Exception):
    """The configuration is missing something or holds an invalid value; the message says what."""


class AgentConfig(BaseModel):
    """Everything the agent needs, validated once at start."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hub: str
    token: str = Field(repr=False)
    name: str = Field(default_factory=socket.gethostname, min_length=1, max_length=128)
    claude_config_dir: Path = Field(default_factory=lambda: default_claude_dir(os.environ))
    relay_socket: Path | None = None
    cli_path: Path | None = None
    permission_timeout_s: float = Field(default=600.0, gt=0)
    hook_timeout_s: float = Field(default=300.0, gt=0)
    live_window_s: float = Field(default=15.0, gt=0)
    live_poll_s: float = Field(default=2.0, gt=0)
    heartbeat_s: float = Field(default=20.0, gt=0)
    rescan_s: float = Field(default=30.0, gt=0)
    reconnect_initial_s: float = Field(default=0.5, gt=0)
    reconnect_max_s: float = Field(default=30.0, gt=0)

    @field_validator("hub")
    @classmethod
    def _hub_url(cls, value: str) -> str:
        agent_ws_url(value)  # raises a clear ValueError on a bad scheme
        return value

    @field_validator("token")
    @classmethod
    def _real_token(cls, value: str) -> str:
        token = value.strip()
        if token.lower().rstrip(".…") in _PLACEHOLDERS:  # "sbt_…", as the docs write it
            raise ValueError("the agent token is missing or a placeholder: paste the last line "
                             "`solo-brain token create --scope agent` printed")  # fmt: skip
        if not _TOKEN_CHARS.fullmatch(token):
            raise ValueError("the agent token must be printable ASCII without spaces (sbt_ and "
                             "43 characters, as `solo-brain token create` prints it)")  # fmt: skip
        return token

    @property
    def ws_url(self) -> str:
        """The hub's agent WebSocket URL."""
        return agent_ws_url(self.hub)

    @property
    def projects_dir(self) -> Path:
        """Where Claude Code keeps the transcripts."""
        return self.claude_config_dir / "projects"

    @property
    def socket_path(self) -> Path:
        """The unix socket of the local relay the permission hook talks to."""
        return self.relay_socket or default_socket(self.claude_config_dir)

    @property
    def claude_cli(self) -> str | None:
        """The Claude CLI prompts run with: configured, else `claude` on PATH, else bundled."""
        if self.cli_path is not None:
            return str(self.cli_path)
        return shutil.which("claude")


def default_claude_dir(env: Mapping[str, str]) -> Path:
    """CLAUDE_CONFIG_DIR, else ~/.claude."""
    value = env.get("CLAUDE_CONFIG_DIR")
    return Path(value).expanduser() if value else Path.home() / ".claude"


def default_socket(claude_dir: Path) -> Path:
    """A short per-user, per-config socket path (unix socket paths are limited to ~100 bytes)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/mesh-agent-{os.getuid()}"  # noqa: S108
    digest = hashlib.sha256(str(claude_dir.resolve()).encode()).hexdigest()[:12]
    return Path(runtime) / f"mesh-agent-{digest}.sock"


_ENV = {
    "MESH_HUB_URL": "hub",
    "MESH_AGENT_TOKEN": "token",
    "MESH_AGENT_NAME": "name",
    "CLAUDE_CONFIG_DIR": "claude_config_dir",
    # Not MESH_PERMISSION_TIMEOUT_S: that is the hub's own deadline, on another machine.
    "MESH_AGENT_PERMISSION_TIMEOUT_S": "permission_timeout_s",
}


def _merge(file: Path | None, env: Mapping[str, str], flags: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    path = file or (Path(env["MESH_AGENT_CONFIG"]) if env.get("MESH_AGENT_CONFIG") else None)
    if path is not None:
        try:
            values.update(tomllib.loads(path.expanduser().read_text()))
        except OSError as exc:
            raise ConfigError(f"cannot read the config file {path}: {exc.strerror}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"the config file {path} is not valid TOML: {exc}") from exc
    values.update({key: env[name] for name, key in _ENV.items() if env.get(name)})
    values.update({k: v for k, v in flags.items() if v is not None})
    for key in ("claude_config_dir", "relay_socket", "cli_path"):
        if isinstance(values.get(key), str):
            values[key] = Path(values[key]).expanduser()
    return values


@dataclass(frozen=True)
class HookPlace:
    """Where the hook goes and which socket it talks to (no hub or token needed)."""

    settings: Path
    socket_path: Path
    hook_timeout_s: float


def load_hook_place(
    *, file: Path | None, env: Mapping[str, str], flags: Mapping[str, Any]
) -> HookPlace:
    """The settings file and relay socket for install-hook/uninstall-hook."""
    values = _merge(file, env, flags)
    claude_dir = Path(values.get("claude_config_dir") or default_claude_dir(env))
    socket_path = values.get("relay_socket") or default_socket(claude_dir)
    try:
        timeout = float(values.get("hook_timeout_s", 300.0))
    except (TypeError, ValueError) as exc:
        raise ConfigError("invalid hook_timeout_s: not a number") from exc
    return HookPlace(claude_dir / "settings.json", Path(socket_path), timeout)


def load_config(
    *, file: Path | None, env: Mapping[str, str], flags: Mapping[str, Any]
) -> AgentConfig:
    """Merge the config file, the environment and the flags (flags win); raise ConfigError."""
    values = _merge(file, env, flags)
    if "hub" not in values:
        raise ConfigError("no hub URL: pass --hub URL or set MESH_HUB_URL")
    if "token" not in values:
        raise ConfigError("no agent token: pass --token TOKEN or set MESH_AGENT_TOKEN")
    try:
        return AgentConfig(**values)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "config"
        message = first["msg"].removeprefix("Value error, ")  # pydantic's, for a validator's
        raise ConfigError(f"invalid {where}: {message}") from exc
