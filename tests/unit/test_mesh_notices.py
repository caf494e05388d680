"""What the hub's events say in a few words: session names, tool summaries, spoken replies."""

from __future__ import annotations

from solo_brain.mesh.notices import app_path, session_label, spoken_reply, tool_summary


def test_tool_summary_names_what_the_tool_acts_on() -> None:
    """Bash shows its command, Write its file, an unknown tool its first text input."""
    assert (
        tool_summary("Bash", {"command": "npm test", "description": "Tests"}) == "Bash `npm test`"
    )
    assert tool_summary("Write", {"file_path": "/a/b.py", "content": "x"}) == "Write `/a/b.py`"
    assert tool_summary("mcp__x__y", {"query": "  ", "target": "db"}) == "mcp__x__y `db`"
    assert tool_summary("Task", {}) == "Task"
    long = tool_summary("Bash", {"command": "echo " + "a" * 200})
    assert len(long) < 100 and long.endswith("…`")


def test_session_label_prefers_the_project_then_the_folder() -> None:
    """The project, else the cwd's last folder, else the title, else the id's start."""
    assert session_label({"project": "orchestrator", "cwd": "/x/y"}, "s") == "orchestrator"
    assert session_label({"project": None, "cwd": "/home/me/api"}, "s") == "api"
    assert session_label({"title": "Fix the build"}, "s") == "Fix the build"
    assert session_label(None, "0123456789abcdef") == "01234567"


def test_spoken_reply_drops_markdown_and_code_and_cuts_at_a_sentence() -> None:
    """Code blocks and markup are not read aloud; a long answer ends on a full sentence."""
    text = "**Fait.** Voir [le fichier](http://x).\n```py\nprint(1)\n```\nTous les tests passent."
    assert spoken_reply(text) == "Fait. Voir le fichier. (code) Tous les tests passent."
    long = "Première phrase assez longue. " * 30
    cut = spoken_reply(long, limit=100)
    assert cut is not None and len(cut) <= 100 and cut.endswith(".")
    assert spoken_reply("   ") is None and spoken_reply(None) is None


def test_app_path_is_the_apps_own_path_form() -> None:
    """Events open the app's path routes (never `/#/...`): a session, a capture, the machines."""
    assert app_path({"session_id": "9b2d5e8a-1c3f"}) == "/sessions/9b2d5e8a-1c3f"
    assert app_path({"capture_id": "cap_01", "session_id": ""}) == "/captures/cap_01"
    assert app_path({"agent_id": "agt_1", "agent": "gpu"}) == "/sessions"
    assert app_path({"session_id": "a/b c"}) == "/sessions/a%2Fb%20c"
    assert app_path({}) is None
