"""`solo-brain COMMAND --help` and `solo-brain COMMAND ACTION --help` say what they do."""

from __future__ import annotations

import argparse

import pytest

from solo_brain.cli import build_parser


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


def test_up_help_says_it_runs_the_whole_stack(capsys: pytest.CaptureFixture[str]) -> None:
    """`solo-brain up --help` says it runs the whole stack, Ctrl-C stopping it."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["up", "--help"])
    assert "Run the whole local stack in the foreground (Ctrl-C stops)." in capsys.readouterr().out
