"""The `mesh-agent` command.

    mesh-agent run --hub URL --token TOKEN [--config FILE] [--name NAME] [-v]
    mesh-agent install-hook [--config FILE] [--socket PATH]
    mesh-agent uninstall-hook [--config FILE]
    mesh-agent hook permission-request|notification --socket PATH   (run by Claude Code)

Exit codes: 0 stopped, 2 configuration error, 3 the hub refused the agent (token/URL).
Heavy modules are imported inside the commands: the hook runs on every permission prompt.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

SWITCH_INTERVAL_S = 0.0005


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="mesh-agent",
        description="CC Mesh agent: streams this machine's Claude Code sessions to the hub.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the agent in the foreground")
    run.add_argument("--hub", help="hub base URL, http(s):// or ws(s):// (env MESH_HUB_URL)")
    run.add_argument("--token", help="agent token, scope 'agent' (env MESH_AGENT_TOKEN)")
    run.add_argument("--config", type=Path, help="TOML config file (env MESH_AGENT_CONFIG)")
    run.add_argument("--name", help="machine name shown on the phone (default: hostname)")
    run.add_argument("-v", "--verbose", action="store_true", help="log debug messages")

    for name, text in (
        ("install-hook", "relay terminal permission prompts to the hub"),
        ("uninstall-hook", "remove the hooks"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--config", type=Path, help="TOML config file")
        cmd.add_argument("--socket", type=Path, help="relay socket (default: derived)")

    hook = sub.add_parser("hook", help="hook commands run by Claude Code")
    hook.add_argument("event", choices=["permission-request", "notification"])
    hook.add_argument("--socket", type=Path, required=True, help="the agent's relay socket")
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `mesh-agent` console script."""
    args = build_parser().parse_args(argv)
    if args.command == "hook":
        from mesh_agent.hook import run_notification_hook, run_permission_hook

        if args.event == "notification":
            sys.exit(run_notification_hook(args.socket, stdin=sys.stdin))
        sys.exit(run_permission_hook(args.socket, stdin=sys.stdin, stdout=sys.stdout))
    from mesh_agent.config import ConfigError

    try:
        if args.command == "run":
            code = _run(args)
        else:
            code = _hook_setup(args)
    except ConfigError as exc:
        print(f"mesh-agent: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)


def _run(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import signal

    from mesh_agent.agent import Agent, FatalHubError
    from mesh_agent.config import ConfigError, load_config
    from mesh_agent.relay import RelayInUse

    config = load_config(
        file=args.config,
        env=os.environ,
        flags={"hub": args.hub, "token": args.token, "name": args.name},
    )
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("websockets").setLevel(logging.WARNING)
    logging.getLogger("watchfiles").setLevel(logging.WARNING)
    # A history run parsed on a thread holds the GIL; the event loop, reading a live line, gets
    # it back after at most this long at each of its system calls (5 ms by default).
    sys.setswitchinterval(SWITCH_INTERVAL_S)

    async def main_task() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        await Agent(config).run()

    try:
        asyncio.run(main_task())
    except asyncio.CancelledError:
        return 0
    except RelayInUse as exc:  # a second agent would steal the first one's hooks
        raise ConfigError(str(exc)) from exc
    except FatalHubError as exc:
        print(f"mesh-agent: {exc}", file=sys.stderr)
        return 3
    return 0


def _hook_setup(args: argparse.Namespace) -> int:
    from mesh_agent.config import ConfigError, load_hook_place
    from mesh_agent.hook import install_hook, uninstall_hook

    place = load_hook_place(file=args.config, env=os.environ, flags={"relay_socket": args.socket})
    try:
        if args.command == "install-hook":
            command = install_hook(
                place.settings, place.socket_path, timeout_s=place.hook_timeout_s
            )
            print(f"PermissionRequest and Notification hooks installed in {place.settings}:")
            print(f"  {command}")
            if not place.socket_path.is_socket():
                # Not an error (the agent may start later), but the usual reason nothing reaches
                # the phone: an agent started from a shell with another XDG_RUNTIME_DIR.
                print(f"No agent listens on {place.socket_path} yet: until one does (mesh-agent "
                      "run, or ./scripts/up, started from a shell with the same XDG_RUNTIME_DIR), "
                      "Claude Code asks in the terminal only.")  # fmt: skip
        elif uninstall_hook(place.settings):
            print(f"mesh-agent hooks removed from {place.settings}")
        else:
            print(f"no mesh-agent hook in {place.settings}")
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    return 0
