"""The API under load: every list of the issue-16 table and auth/me, by wrk at 8 connections on
gunicorn started as `make run` starts it, side by side with the bare Django view (/healthz) on the
same server in the same run, on the embedded default and on PostgreSQL + Redis.

/healthz is measured between every two endpoints, and each endpoint's ratio is to the mean of the
/healthz runs just before and just after it: the machines we run on are shared VMs whose speed
moves by half within a minute, and a baseline taken at the start and end of the whole run let that
drift into every ratio. Each row shows its two /healthz figures, so a disturbed row shows itself."""

import sys

import psycopg

from benchmarks.harness import CONFIGURATIONS, WrkResult, compare, running_server, wrk

ROWS = 30  # each list holds 30 rows; one page of 20 is asked for
SETUP = f"""
import json
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from accounts.models import User, CreditAccount
from accounts.tokens import issue_tokens
from conversions.library import services as library_services
from conversions.catalogue.seed import seed_catalogue
from conversions.models import Recording
from gallery.models import Voice as GalleryVoice, VoiceSample
from partners.account import services as partner_services
from partners.models import Job, Program, Talent
from stamps import services as stamp_services
from stamps.sharing import services as sharing_services
from stamps.sharing.models import Reply

user, _ = User.objects.get_or_create(email="bench@example.com", defaults={{"display_name": "Bench"}})
CreditAccount.objects.get_or_create(user=user)
project = library_services.create_project(user, name="Bench project")
folder = library_services.create_folder(project=project, name="Root")
for i in range({ROWS}):
    stamp = stamp_services.create_stamp(owner=user, title=f"Stamp {{i:02d}}", description="A benchmark stamp",
                                        voice_tags=[{{"timestamp": 1.0, "x": 10, "y": 20, "note": "here"}}])
    library_services.create_project(user, name=f"Project {{i:02d}}")
    library_services.create_folder(project=project, name=f"Folder {{i:02d}}", parent=folder)
    Recording.objects.create(project=project, parent_folder=folder, created_by=user, label=f"Take {{i:02d}}",
                             state=Recording.State.DONE, audio_key=f"recordings/{{i}}.mp3", audio_format="mp3",
                             duration=3.0, size=48000)
share = sharing_services.create_share(user, stamp.pk, privacy="public")
Reply.objects.bulk_create([Reply(share=share, name=f"Viewer {{i}}", message="Lovely") for i in range({ROWS})])
for i in range({ROWS}):
    voice = GalleryVoice.objects.create(name=f"Voice {{i:03d}}", voice_characteristic="Female", order_number=i % 7,
                                        is_published=True, created_by=user, created_by_user_id=str(user.pk),
                                        created_by_name=user.name, updated_by=user, updated_by_user_id=str(user.pk),
                                        updated_by_name=user.name)
    VoiceSample.objects.bulk_create([VoiceSample(voice=voice, position=p, key=f"voice-samples/{{voice.pk.hex}}-{{p}}.mp3")
                                     for p in range(2)])
seed_catalogue()
partner, key = partner_services.create_partner(name="Bench partner", live=True, credit_limit=Decimal("1000000"))
today = timezone.localdate()
talent = Talent.objects.create(first_name="Bench", last_name="Talent", gender="female", languages=["English"])
program = Program.objects.create(partner=partner, name="Bench program", unit_price=Decimal("10"),
                                 start_date=today - timedelta(days=1), end_date=today + timedelta(days=30),
                                 manager_email="pm@example.com")
program.talents.add(talent)
Job.objects.bulk_create([Job(program=program, talent=talent, sample_script=f"Script {{i}}", job_description="Job")
                         for i in range({ROWS})])
print(json.dumps({{"token": issue_tokens(user).access, "partner_key": key, "project": str(project.pk),
                  "folder": str(folder.pk), "stamp": stamp.pk, "program": program.pk}}))
"""


def endpoints(ids: dict) -> list[tuple[str, str, dict]]:
    bearer = {"Authorization": f"Bearer {ids['token']}"}
    return [
        ("GET /api/v1/auth/me (Bearer)", "/api/v1/auth/me", bearer),
        ("GET /api/v1/voicestamps?limit=20", "/api/v1/voicestamps?limit=20", bearer),
        ("GET /api/projects?limit=20", "/api/projects?limit=20", bearer),
        ("GET /api/recordings?limit=20", f"/api/recordings?project_id={ids['project']}&limit=20", bearer),
        ("GET /api/folders?limit=20", f"/api/folders?project_id={ids['project']}&limit=20", bearer),
        ("GET /api/v1/voice-gallery?size=20 (anonymous)", "/api/v1/voice-gallery?size=20", {}),
        (
            "GET /v4/partners/programs/:id/jobs",
            f"/v4/partners/programs/{ids['program']}/jobs",
            {"X-API-KEY": ids["partner_key"]},
        ),
        (
            "GET /api/v1/voicestamps/:id/replies?limit=20",
            f"/api/v1/voicestamps/{ids['stamp']}/replies?limit=20",
            bearer,
        ),
        ("GET /api/v2/voices?limit=20 (catalogue)", "/api/v2/voices?limit=20", bearer),
    ]


def _mean_of(runs: list[WrkResult]) -> WrkResult:
    return WrkResult(
        sum(run.requests for run in runs),
        sum(run.errors for run in runs),
        sum(run.seconds for run in runs),
        sum(run.rps for run in runs) / len(runs),
        sum(run.p50_ms for run in runs) / len(runs),
        max(run.p99_ms for run in runs),
        sum(run.cpu_ms for run in runs) / len(runs),
    )


def run_configuration(label: str, extra_env: dict, seconds: int) -> list[dict]:
    env = {**extra_env, "GALLERY_THROTTLE_READ": "100000000/minute", "PARTNERS_RATE_LIMIT": "100000000/minute"}
    with running_server(extra_env=env) as server:
        ids = server.django(SETUP)
        targets = endpoints(ids)
        for _, path, headers in [("", "/healthz", {}), *targets]:  # warm up every worker and path
            wrk(f"{server.base_url}{path}", headers, seconds=1)
        healthz = [wrk(f"{server.base_url}/healthz", seconds=seconds, server=server)]
        measured = []
        for name, path, headers in targets:
            measured.append((name, wrk(f"{server.base_url}{path}", headers, seconds=seconds, server=server)))
            healthz.append(wrk(f"{server.base_url}/healthz", seconds=seconds, server=server))
    overall = _mean_of(healthz)
    rows = [
        {
            "name": f"[{label}] GET /healthz",
            "value": round(overall.rps),
            "unit": "req/s",
            "baseline": round(overall.rps),
            "ratio": 1.0,
            "note": f"p99 {overall.p99_ms:.1f} ms; server CPU {overall.cpu_ms:.2f} ms/req; "
            f"{min(run.rps for run in healthz):.0f}-{max(run.rps for run in healthz):.0f} req/s over the run",
        }
    ]
    for index, (name, result) in enumerate(measured):
        before, after = healthz[index], healthz[index + 1]
        rows += compare(
            f"[{label}] {name}",
            result,
            _mean_of([before, after]),
            note=f"; /healthz {before.rps:.0f} before, {after.rps:.0f} after",
        )
    return rows


def run(seconds: int = 5) -> list[dict]:
    rows = []
    for label, extra_env in CONFIGURATIONS.items():
        try:
            rows += run_configuration(label, extra_env, seconds)
        except (OSError, psycopg.OperationalError) as error:
            rows.append({"name": f"[{label}] not measured", "value": "-", "unit": "", "note": str(error)[:80]})
    return rows


if __name__ == "__main__":
    for row in run(int(sys.argv[1]) if len(sys.argv) > 1 else 5):
        print(f"{row['name'][:70]:70} {row['value']:>7} {row['unit']}  ratio {row['ratio']:<5} {row['note']}")
