"""Dependencies of the classify routes, so that route signatures read like prose.

async def classify(body: ClassifyRequest, service: Service) -> ClassifyResult: ...
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from solo_brain.classify.service import ClassifyService


def _service(request: Request) -> ClassifyService:
    return request.app.state.service


def _default_tz(request: Request) -> str:
    return request.app.state.settings.tz


Service = Annotated[ClassifyService, Depends(_service)]
DefaultTz = Annotated[str, Depends(_default_tz)]
