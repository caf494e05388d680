"""CC Mesh agent: one per machine, streams Claude Code sessions to the hub."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mesh-agent")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0"
