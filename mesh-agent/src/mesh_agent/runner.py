"""Runs a prompt from the hub in its session with claude-agent-sdk.

The session is resumed in its cwd with the user's own settings and the `claude_code` system
prompt. Messages are not forwarded from the SDK: the CLI writes them to the transcript, which
the agent already streams, so each message reaches the hub exactly once. Every permission the
CLI asks (`can_use_tool`) is asked of the phone through `PermissionBook.ask()`; without a
decision in time, the tool is denied with a clear message.

claude-agent-sdk is imported when the first prompt runs: importing it costs the agent ~35 MiB
of RSS (measured: 71 MiB with it, 36 MiB without), most of the agent's memory, for a feature
many machines use rarely.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from mesh_agent.permissions import PermissionBook
from mesh_agent.transcript import truncate
from mesh_protocol import (
    DENIED_BY_PHONE,
    NO_DECISION_IN_TIME,
    PermissionRequest,
    Prompt,
    PromptStatus,
)

if TYPE_CHECKING:
    from claude_agent_sdk import (
        PermissionResultAllow,
        PermissionResultDeny,
        ResultMessage,
        ToolPermissionContext,
    )

log = logging.getLogger(__name__)

# Set for the CLI the agent starts, so that the terminal hook stands aside for it.
SDK_ENV_FLAG = "MESH_AGENT_SDK"

Emit = Callable[[BaseModel], Awaitable[None]]


class PromptRunner:
    """Runs prompts with the SDK; one instance per agent."""

    def __init__(
        self,
        *,
        emit: Emit,
        book: PermissionBook,
        permission_timeout_s: float,
        cli_path: str | None,
    ) -> None:
        self._emit = emit
        self._book = book
        self._timeout = permission_timeout_s
        self._cli_path = cli_path

    async def run(self, prompt: Prompt, cwd: str) -> None:
        """Run `prompt` to its end and report running, then done or failed."""
        if not cwd or not await asyncio.to_thread(os.path.isdir, cwd):
            await self._status(prompt, "failed", f"Dossier de la session introuvable : {cwd!r}")
            return
        await self._status(prompt, "running")
        from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient, ResultMessage

        stderr: list[str] = []
        options = ClaudeAgentOptions(
            resume=prompt.session_id,
            cwd=cwd,
            cli_path=self._cli_path,
            can_use_tool=self._permission_asker(prompt),
            system_prompt={"type": "preset", "preset": "claude_code"},
            env={SDK_ENV_FLAG: "1"},
            stderr=lambda line: stderr.append(line) if len(stderr) < 50 else None,
        )
        result: ResultMessage | None = None
        try:
            async with ClaudeSDKClient(options=options) as client:
                await client.query(prompt.text)
                async for message in client.receive_response():
                    if isinstance(message, ResultMessage):
                        result = message
        except Exception as exc:
            log.warning("prompt %s failed: %s %s", prompt.prompt_id, exc, "".join(stderr[-5:]))
            await self._status(prompt, "failed", truncate(f"Échec de Claude Code : {exc}", 2000))
            return
        if result is None:
            await self._status(prompt, "failed", "Claude Code s'est arrêté sans résultat.")
        elif result.is_error:
            detail = "; ".join(result.errors or []) or result.result or result.subtype
            await self._status(prompt, "failed", truncate(f"Claude Code : {detail}", 2000))
        else:
            await self._status(prompt, "done", answer=truncate(result.result or "", 100_000))

    async def _status(
        self, prompt: Prompt, state: str, error: str | None = None, *, answer: str | None = None
    ) -> None:
        await self._emit(
            PromptStatus.model_validate(
                {
                    "prompt_id": prompt.prompt_id,
                    "state": state,
                    "error": error,
                    "result": answer or None,
                }
            )
        )

    def _permission_asker(
        self, prompt: Prompt
    ) -> Callable[
        [str, dict[str, Any], ToolPermissionContext],
        Awaitable[PermissionResultAllow | PermissionResultDeny],
    ]:
        async def can_use_tool(
            tool_name: str, tool_input: dict[str, Any], context: ToolPermissionContext
        ) -> PermissionResultAllow | PermissionResultDeny:
            from claude_agent_sdk import PermissionResultAllow, PermissionResultDeny

            request = PermissionRequest(
                permission_id=f"perm_{uuid.uuid4().hex}",
                session_id=prompt.session_id,
                prompt_id=prompt.prompt_id,
                tool_name=tool_name,
                input=tool_input,
                source="sdk",
            )
            decision = (await self._book.ask(request, self._timeout)).decision
            if decision is None:
                return PermissionResultDeny(message=NO_DECISION_IN_TIME)
            if decision.behavior == "allow":
                return PermissionResultAllow(updated_input=tool_input)
            return PermissionResultDeny(message=decision.message or DENIED_BY_PHONE)

        return can_use_tool
