"""Schemathesis against a running service, from the service's own OpenAPI document.

Each operation gets `examples` generated requests that fit the document and as many that do not
(negative mode); every answer must not be a server error, must have a documented status, content
type and body schema, and a 503 must be JSON naming an upstream that is down or missing. Shrinking
is off, so a run costs a bounded number of requests; failures are collected, not raised, so one
run reports every operation that breaks.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# Schemathesis's not_a_server_error refuses every 5xx; a 502/503 for an upstream that is down or
# not configured is the documented answer, so `_server_error` below decides instead.
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
REQUEST_TIMEOUT_S = 30


@dataclass
class FuzzReport:
    """What one run did: operations, requests, and each distinct failure with its operation."""

    operations: int = 0
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)
    upstream_errors: Counter[str] = field(default_factory=Counter)  # "label status code"

    def summary(self) -> str:
        """One line of figures, then one line per failure."""
        head = f"{self.operations} operations, {self.requests} requests, {self.seconds:.0f} s"
        head += ", statuses " + " ".join(f"{k}:{v}" for k, v in sorted(self.statuses.items()))
        upstream = [f"accepted {k} x{n}" for k, n in sorted(self.upstream_errors.items())]
        failures = [f"{k}: {v}" for k, v in self.failures.items()]
        return "\n".join([head, *upstream, *failures])


def fuzz(
    openapi: dict[str, Any],
    base_url: str,
    headers: dict[str, str],
    examples: int,
    *,
    unavailable: Callable[[str], bool],
    skip: frozenset[str] = frozenset(),
) -> FuzzReport:
    """Fuzz every operation of `openapi` on `base_url` (with `headers`, e.g. a token); a 502 or
    503 is accepted only as JSON whose error code satisfies `unavailable`, any other 5xx fails."""
    schema = schemathesis.openapi.from_dict(openapi)
    report = FuzzReport()
    started = time.monotonic()
    session = requests.Session()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in skip:
            continue
        report.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _run(operation, mode, base_url, headers, examples, session, unavailable, report)
    report.seconds = time.monotonic() - started
    return report


def _run(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    headers: dict[str, str],
    examples: int,
    session: requests.Session,
    unavailable: Callable[[str], bool],
    report: FuzzReport,
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def one(case: Any) -> None:
        report.requests += 1
        try:
            response = case.call_and_validate(
                base_url=base_url,
                session=session,
                headers=headers,
                checks=CHECKS,
                timeout=REQUEST_TIMEOUT_S,
            )
        except (Failure, FailureGroup, AssertionError) as exc:
            response = getattr(exc, "response", None)
            report.statuses[getattr(response, "status_code", 0)] += 1
            _record(report, operation.label, case, exc)
            return
        report.statuses[response.status_code] += 1
        if response.status_code >= 500:
            problem = _server_error(response, unavailable)
            if problem is None:
                code = response.text[:200] if "ready" in response.text else _code(response)
                report.upstream_errors[f"{operation.label} {response.status_code} {code}"] += 1
            else:
                report.failures.setdefault(f"{operation.label} {response.status_code}", problem)

    try:
        one()
    except Unsatisfiable:
        pass  # nothing to generate in this mode (e.g. no parameter that could be made invalid)


def _record(report: FuzzReport, label: str, case: Any, exc: BaseException) -> None:
    failures = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
    for failure in failures:
        title = getattr(failure, "title", type(failure).__name__)
        key = f"{label} [{title}]"
        if key not in report.failures:
            detail = str(getattr(failure, "message", failure)).splitlines()
            sent = f"{case.method} {case.formatted_path} body={str(case.body)[:120]!r}"
            report.failures[key] = f"{' '.join(detail)[:300]} <- {sent}"


def _code(response: requests.Response) -> str:
    return str(response.json()["error"]["code"])


def _server_error(response: requests.Response, unavailable: Callable[[str], bool]) -> str | None:
    status = response.status_code
    if status not in (502, 503):
        return f"a {status}: {response.text[:200]!r}"
    try:
        body = response.json()
        if status == 503 and body.get("ready") is False:
            return None  # /readyz: the body names the dependency that is not ready
        code = body["error"]["code"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return f"a {status} that is not the JSON envelope: {response.text[:200]!r}"
    return None if unavailable(code) else f"a {status} for {code!r}, not an upstream that is down"
