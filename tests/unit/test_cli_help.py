"""`solo-brain COMMAND --help` and `solo-brain COMMAND ACTION --help` say what they do."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from solo_brain.cli import build_parser, main

SOLO_BRAIN = str(Path(sys.executable).parent / "solo-brain")


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found.append((*path, name))
                found += _commands(child, (*path, name))
    return found


@pytest.mark.parametrize("command", _commands(build_parser()), ids=" ".join)
def test_each_subcommand_help_says_what_it_does(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """A new user reading `--help` of any subcommand gets one sentence on what it does."""
    parser = build_parser()
    with pytest.raises(SystemExit) as done:
        parser.parse_args([*command, "--help"])
    assert done.value.code == 0
    _, _, rest = capsys.readouterr().out.partition("\n\n")
    description = rest.split("\n\n")[0]
    assert description[:1].isupper() and description.rstrip().endswith("."), rest


def _parser_of(command: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for name in command:
        [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = sub.choices[name]
    return parser


@pytest.mark.parametrize("command", [(), *_commands(build_parser())], ids=" ".join)
def test_no_argument_is_undocumented(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """Every argument and action of every subcommand has a one-line English help, and the
    entry point's `--help` prints it."""
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    shown = "".join(capsys.readouterr().out.split())  # argparse wraps lines, even at hyphens
    for action in _parser_of(command)._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name in action.choices:
                line = helps.get(name)
                assert line and "".join(line.split()) in shown, (command, name)
            continue
        name = "/".join(action.option_strings) or action.dest
        assert action.help and action.help != argparse.SUPPRESS, f"{command} {name}: no help"
        assert "\n" not in action.help.strip(), f"{command} {name}: more than one line"
        assert action.help.isascii(), f"{command} {name}: English, not French"
        assert "".join(action.help.split()) in shown, (command, name, shown)


def test_the_console_script_prints_its_help() -> None:
    """The installed `solo-brain --help` lists every command with its help line."""
    done = subprocess.run([SOLO_BRAIN, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for command in {c[0] for c in _commands(build_parser())}:
        assert f"    {command} " in done.stdout or f"    {command}\n" in done.stdout, command


def test_up_help_says_it_runs_the_whole_stack(capsys: pytest.CaptureFixture[str]) -> None:
    """`solo-brain up --help` says it runs the whole stack, Ctrl-C stopping it."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["up", "--help"])
    assert "Run the whole local stack in the foreground (Ctrl-C stops)." in capsys.readouterr().out
