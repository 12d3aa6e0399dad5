"""Health checks, production settings, the OpenAPI schema, docker-compose and the admin."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_gateway_healtz_under_the_gateways_spelling(client):
    response = client.get("/api/healtz")
    assert response.status_code == 200 and response.json() == {"state": "OK"}


@pytest.mark.django_db
def test_readyz_checks_database_broker_and_storage(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["checks"] == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "storage": "ok",
        "worker": body["checks"]["worker"],
    }
    # Without a worker the web still serves; the worker's absence is reported.
    assert body["status"] == ("ok" if body["checks"]["worker"] == "ok" else "degraded")


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_broker(client, settings):
    from voiceplatform.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "VOICEPLATFORM_DATA_DIR": str(tmp_path),
        "DJANGO_SECRET_KEY": "x" * 20 + "production-grade-secret-key-with-entropy-9f8e7d6c5b4a",
        "DJANGO_ALLOWED_HOSTS": "voiceplatform.example.com",
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_SECURE_COOKIES": "true",
        "DJANGO_SECURE_HSTS_SECONDS": "31536000",
        "DJANGO_BEHIND_TLS_PROXY": "true",
        "TRUSTED_PROXIES": "10.0.0.0/8",
        "CORS_ALLOWED_ORIGINS": "https://studio.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_openapi_schema_is_valid_and_shows_envelopes(tmp_path):
    from openapi_spec_validator import validate

    out = tmp_path / "schema.yml"
    subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--file", str(out), "--validate", "--fail-on-warn"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=180,
        env={"PATH": "/usr/bin:/bin", "VOICEPLATFORM_DATA_DIR": str(tmp_path)},
    )
    schema = yaml.safe_load(out.read_text())
    validate(schema)
    me = schema["paths"]["/api/v1/auth/me"]["get"]["responses"]
    assert "success" in str(me["200"]) and "invalid_token" not in str(me["401"])
    assert me["401"]["content"]["application/json"]["schema"]["required"] == ["error", "message"]
    credits = schema["paths"]["/api/credits"]["get"]["responses"]
    assert credits["401"]["content"]["application/json"]["schema"]["required"] == ["detail"]
    # Statuses some operations answer besides the common ones: 415 wherever a body is parsed,
    # 402 where credits are charged, 409 where a second note is refused.
    paths = schema["paths"]
    assert {"402", "415"} <= set(paths["/api/v2/orders"]["post"]["responses"])
    assert "402" in paths["/api/v2/orders/retry/{recording_id}"]["post"]["responses"]
    assert "409" in paths["/api/notes"]["post"]["responses"]
    assert "415" not in paths["/api/v2/voices"]["get"]["responses"]
    assert schema["components"]["securitySchemes"]["sessionAuth"]["name"] == "session_id"


@pytest.mark.django_db
def test_api_docs_are_served_without_a_cdn(client):
    for path in ("/api/docs/", "/api/redoc/"):
        response = client.get(path)
        assert response.status_code == 200
        html = response.content.decode()
        assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
    assert client.get("/api/schema/").status_code == 200


def test_docker_compose_names_only_things_that_exist():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "media-worker", "beat", "postgres", "redis", "minio"} <= set(services)
    for name in ("web", "worker", "media-worker", "beat"):
        service = services[name]
        assert service["build"] == "." and service["image"] == "voiceplatform:latest"
        env = service["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
        assert set(service["depends_on"]) == {"postgres", "redis", "minio"}
        command = " ".join(service["command"])
        if "celery" in command:
            assert "-A voiceplatform" in command
        if "gunicorn" in command:
            assert "voiceplatform.wsgi:application" in command
    for name in ("web", "worker", "media-worker", "postgres", "redis", "minio"):
        assert "healthcheck" in services[name], name
    # Light jobs and heavy media jobs each have workers (core.jobs.route_task).
    assert services["worker"]["command"][-2:] == ["-Q", "voiceplatform"]
    assert services["media-worker"]["command"][-2:] == ["-Q", "voiceplatform-media"]
    # A process that dies comes back by itself.
    for name in ("web", "worker", "media-worker", "beat", "postgres", "redis", "minio"):
        assert services[name]["restart"] == "unless-stopped", name
    # Everything the commands name exists in this repository.
    import importlib

    assert importlib.import_module("voiceplatform.wsgi").application
    assert importlib.import_module("voiceplatform.celery").app.main == "voiceplatform"
    assert (ROOT / "manage.py").exists() and (ROOT / "Dockerfile").exists()
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.txt" in dockerfile and "voiceplatform.wsgi:application" in dockerfile
    # Settings honour every variable the stack sets.
    settings_source = (ROOT / "voiceplatform" / "settings.py").read_text()
    for variable in services["web"]["environment"]:
        assert f'"{variable}"' in settings_source, variable
