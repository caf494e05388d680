"""`GET /api/agents`: the machines running mesh-agent, online or not."""

from __future__ import annotations

from fastapi import APIRouter

from solo_brain.mesh.deps import TOKEN_ERRORS, DbPool, FullToken
from solo_brain.mesh.models import AgentOut
from solo_brain.mesh.store import agents

router = APIRouter(prefix="/api", tags=["agents"], responses=TOKEN_ERRORS)


@router.get("/agents")
async def list_agents(pool: DbPool, _: FullToken) -> list[AgentOut]:
    """Every machine that ever connected, online or not."""
    return [AgentOut.model_validate(row) for row in await agents.list_agents(pool)]
