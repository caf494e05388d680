"""Transcript lines become normalised messages and session metadata (pure core, no I/O)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from mesh_agent.transcript import SessionMeta, encode_cwd, parse_line, to_message, truncate

SID = "7ea8a545-ad35-4404-af13-9eb69725f374"
CWD = "/home/moi/projet été x"

# Shapes recorded from Claude Code 2.1.330 (long fields shortened).
USER = {
    "parentUuid": None,
    "isSidechain": False,
    "promptId": "181f1fef-ca84-4590-8448-92535202270e",
    "type": "user",
    "message": {"role": "user", "content": "crée le fichier"},
    "uuid": "2b7c33ed-0726-4c54-ab2e-6966d7260f99",
    "timestamp": "2026-11-21T21:05:32.490Z",
    "permissionMode": "default",
    "userType": "external",
    "entrypoint": "sdk-cli",
    "cwd": CWD,
    "sessionId": SID,
    "version": "2.1.330",
    "gitBranch": "main",
}
ASSISTANT_TOOL = {
    "parentUuid": "06f210e6-7ecc-4fd8-b8de-f5ed4ca1a0a3",
    "isSidechain": False,
    "message": {
        "id": "msg_01413c074a930e47a7bd3be0",
        "type": "message",
        "role": "assistant",
        "model": "claude-opus-5-5",
        "content": [
            {
                "type": "tool_use",
                "id": "toolu_01ba5713f1daf647f8a97c2a",
                "name": "Bash",
                "input": {"command": "touch made.txt", "description": "Create"},
            }
        ],
        "stop_reason": "tool_use",
    },
    "type": "assistant",
    "uuid": "e695e54c-5605-4224-98b0-5ac0bcffa997",
    "timestamp": "2026-11-21T21:05:32.700Z",
    "cwd": CWD,
    "sessionId": SID,
    "gitBranch": "main",
}
TOOL_RESULT = {
    "parentUuid": "e695e54c-5605-4224-98b0-5ac0bcffa997",
    "isSidechain": False,
    "type": "user",
    "message": {
        "role": "user",
        "content": [
            {
                "tool_use_id": "toolu_01ba5713f1daf647f8a97c2a",
                "type": "tool_result",
                "content": [
                    {"type": "text", "text": "ligne 1"},
                    {"type": "text", "text": "ligne 2"},
                ],
                "is_error": True,
            }
        ],
    },
    "uuid": "06d185fd-5493-4bfe-adf7-4b860bc993ce",
    "timestamp": "2026-11-21T21:05:32.712Z",
    "toolUseResult": {"stdout": "", "stderr": ""},
    "cwd": CWD,
    "sessionId": SID,
}
SKIPPED = [
    {"type": "queue-operation", "operation": "enqueue", "sessionId": SID, "content": "x"},
    {"type": "atis-latch", "atis": "", "sessionId": SID},
    {"type": "api-request", "sessionId": SID, "id": "672d2054"},
    {"type": "cost-state", "sessionId": SID, "totalCostUSD": 0.01},
    {"type": "mode", "mode": "normal", "sessionId": SID},
    {"type": "tools-used", "tools": ["Bash"], "sessionId": SID},
    {"type": "file-history-snapshot", "messageId": "m", "snapshot": {}},
    {"type": "brand-new-type-from-2027", "uuid": "u-new", "message": {"content": "?"}},
    {
        "type": "attachment",
        "uuid": "b2f32ace-0971-4987-9957-97489fcc85f4",
        "attachment": {"type": "queued_command", "prompt": {"type": "user", "text": "x"}},
    },
]


def _raw(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()


def _message(record: dict[str, Any]) -> Any:
    parsed = parse_line(_raw(record))
    assert parsed is not None
    return to_message(parsed)


def test_user_prompt_becomes_a_user_message() -> None:
    """A user line with string content gives its text, parent, time and sidechain flag."""
    message = _message(USER)
    assert message.role == "user"
    assert message.text == "crée le fichier"
    assert message.uuid == USER["uuid"]
    assert message.parent_uuid is None
    assert message.timestamp == datetime(2026, 11, 21, 21, 5, 32, 490000, tzinfo=UTC)
    assert message.is_sidechain is False


def test_assistant_tool_use_keeps_name_and_input() -> None:
    """An assistant tool_use block becomes a tool use with its id, name and input."""
    message = _message(ASSISTANT_TOOL)
    assert message.role == "assistant"
    assert message.text == ""
    [use] = message.tool_uses
    assert (use.id, use.name) == ("toolu_01ba5713f1daf647f8a97c2a", "Bash")
    assert use.input == {"command": "touch made.txt", "description": "Create"}


def test_tool_result_blocks_are_flattened_with_their_error_flag() -> None:
    """A tool_result with text blocks becomes one text, and keeps is_error."""
    [result] = _message(TOOL_RESULT).tool_results
    assert result.tool_use_id == "toolu_01ba5713f1daf647f8a97c2a"
    assert result.content == "ligne 1\nligne 2"
    assert result.is_error is True


@pytest.mark.parametrize("record", SKIPPED, ids=[r["type"] for r in SKIPPED])
def test_unknown_and_bookkeeping_lines_give_no_message(record: dict[str, Any]) -> None:
    """Line types that are not conversation, known or not, are skipped without error."""
    parsed = parse_line(_raw(record))
    assert parsed is None or to_message(parsed) is None


def test_garbage_lines_are_skipped() -> None:
    """Invalid JSON, a JSON list or an empty line give nothing instead of raising."""
    for raw in (b'{"type":"user", "uuid": ', b'["type","user"]', b"", b"   "):
        parsed = parse_line(raw)
        assert parsed is None or to_message(parsed) is None


def test_meta_thinking_only_and_empty_lines_give_no_message() -> None:
    """isMeta user lines and thinking-only assistant blocks are not messages."""
    meta = {**USER, "isMeta": True}
    thinking = {
        **ASSISTANT_TOOL,
        "message": {"role": "assistant", "content": [{"type": "thinking", "thinking": "hmm"}]},
    }
    assert to_message(meta) is None
    assert to_message(thinking) is None


def test_compact_boundary_and_compact_summary_are_system_messages() -> None:
    """A compact boundary and the compact summary appear as system messages."""
    boundary = {
        "type": "system",
        "subtype": "compact_boundary",
        "content": "Conversation compacted",
        "uuid": "c1",
        "timestamp": "2026-11-21T22:00:00Z",
    }
    summary = {**USER, "uuid": "c2", "isCompactSummary": True}
    assert _message(boundary).role == "system"
    assert _message(boundary).text == "Conversation compacted"
    assert _message(summary).role == "system"


def test_unreadable_timestamp_keeps_the_message() -> None:
    """A bad timestamp is dropped, not the message."""
    message = to_message({**USER, "timestamp": "hier soir"})
    assert message is not None and message.timestamp is None and message.text


def test_long_fields_are_truncated_and_say_so() -> None:
    """Text, tool results and tool input strings are cut to the limit with a French marker."""
    big = "x" * 500
    record = {**USER, "message": {"role": "user", "content": big}}
    message = to_message(record, limit=100)
    assert message is not None
    assert message.text == "x" * 100 + "… [tronqué : 400 caractères]"
    tool = {**ASSISTANT_TOOL}
    tool["message"] = {
        "content": [{"type": "tool_use", "id": "t", "name": "Write", "input": {"content": big}}]
    }
    used = to_message(tool, limit=100)
    assert used is not None and len(used.tool_uses[0].input["content"]) < 200
    assert truncate("court", 100) == "court"


def _fold(meta: SessionMeta, record: dict[str, Any], *, main: bool = True) -> None:
    meta.update(record, to_message(record), main=main)


def test_title_precedence_is_custom_then_ai_then_summary_then_first_prompt() -> None:
    """Whatever the order of the lines, custom > ai > summary > first prompt."""
    meta = SessionMeta(SID)
    _fold(meta, USER)
    assert meta.title == "crée le fichier"
    _fold(meta, {"type": "custom-title", "customTitle": "Mon titre", "sessionId": SID})
    _fold(meta, {"type": "summary", "summary": "Résumé", "leafUuid": "x"})
    _fold(meta, {"type": "ai-title", "aiTitle": "Titre IA", "sessionId": SID})
    assert meta.title == "Mon titre"
    meta.custom_title = ""
    assert meta.title == "Titre IA"
    meta.ai_title = ""
    assert meta.title == "Résumé"


def test_later_titles_of_one_kind_win() -> None:
    """A renamed session shows its latest custom title."""
    meta = SessionMeta(SID)
    _fold(meta, {"type": "custom-title", "customTitle": "Ancien", "sessionId": SID})
    _fold(meta, {"type": "custom-title", "customTitle": "Nouveau  \n titre", "sessionId": SID})
    assert meta.title == "Nouveau titre"


def test_first_prompt_skips_tool_results_and_command_wrappers() -> None:
    """The first real prompt is the title fallback, not a caveat or a tool result."""
    meta = SessionMeta(SID)
    caveat = {**USER, "uuid": "a", "message": {"content": "<local-command-caveat>x"}}
    _fold(meta, caveat)
    _fold(meta, TOOL_RESULT)
    _fold(meta, {**USER, "uuid": "b", "message": {"content": "Ajoute un endpoint /health"}})
    assert meta.first_prompt == "Ajoute un endpoint /health"


def test_cwd_branch_and_last_message_time_come_from_the_lines() -> None:
    """Real cwd (accents, spaces), latest branch and latest message time are kept."""
    meta = SessionMeta(SID, project_dir=encode_cwd(CWD))
    _fold(meta, USER)
    _fold(meta, {**ASSISTANT_TOOL, "cwd": CWD + "/src", "gitBranch": "feature/é"})
    assert meta.cwd == CWD
    assert meta.project == "projet été x"
    assert meta.git_branch == "feature/é"
    assert meta.last_msg_at == datetime(2026, 11, 21, 21, 5, 32, 700000, tzinfo=UTC)


def test_cwd_matching_the_project_folder_replaces_a_wrong_first_guess() -> None:
    """When the first cwd seen does not match the folder name, a later matching one wins."""
    meta = SessionMeta(SID, project_dir=encode_cwd(CWD))
    _fold(meta, {**USER, "cwd": "/tmp/ailleurs"})
    _fold(meta, {**USER, "uuid": "z", "cwd": CWD})
    assert meta.cwd == CWD
    assert encode_cwd(CWD) == "-home-moi-projet--t--x"


def test_subagent_lines_only_move_the_last_message_time() -> None:
    """A subagent's prompt and cwd do not become the session's title or cwd."""
    meta = SessionMeta(SID)
    _fold(
        meta,
        {**USER, "isSidechain": True, "cwd": "/x", "timestamp": "2027-01-01T00:00:00Z"},
        main=False,
    )
    assert meta.title == "" and meta.cwd == ""
    assert meta.last_msg_at == datetime(2027, 1, 1, tzinfo=UTC)


def test_a_zoneless_timestamp_is_read_as_utc_beside_zoned_ones() -> None:
    """A line whose timestamp has no zone folds as UTC, and the session's latest time is
    still taken among zoned ones (they could not be compared before: TypeError)."""
    meta = SessionMeta("s")
    zoned = {**USER, "uuid": "u1", "timestamp": "2026-05-14T10:00:00.000Z"}
    zoneless = {**USER, "uuid": "u2", "timestamp": "2026-05-14T11:00:00"}
    for record in (zoned, zoneless):
        meta.update(record, to_message(record), main=True)
    message = to_message(zoneless)
    assert message is not None and message.timestamp == datetime(2026, 5, 14, 11, tzinfo=UTC)
    assert meta.last_msg_at == datetime(2026, 5, 14, 11, tzinfo=UTC)
