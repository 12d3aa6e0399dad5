"""Foundation: authenticated endpoints under concurrent load on gunicorn, side by side with a
bare Django view (/healthz) on the same server."""

from benchmarks.harness import compare, load, running_server

SETUP = """
import json
from accounts.models import User, CreditAccount
from accounts.tokens import issue_tokens
from accounts import services
from conversions import library_services
from stamps import services as stamp_services
user, _ = User.objects.get_or_create(email="bench@example.com", defaults={"display_name": "Bench"})
CreditAccount.objects.get_or_create(user=user)
for i in range(30):
    services.create_team(name=f"Team {i:02d}", owner=user)
    stamp_services.create_stamp(owner=user, title=f"Stamp {i:02d}", description="A benchmark stamp",
                                voice_tags=[{"timestamp": 1.0, "x": 10, "y": 20, "note": "here"}])
    library_services.create_project(user, name=f"Project {i:02d}")
_, api_key = services.create_api_key(user)
print(json.dumps({"token": issue_tokens(user).access, "api_key": api_key}))
"""


# Each list holds the 30 rows made in SETUP, one page of 20.
AUTHENTICATED_LISTS = [
    ("GET /api/v1/voicestamps?limit=20 (Bearer)", "/api/v1/voicestamps?limit=20"),
    ("GET /api/projects?limit=20 (Bearer)", "/api/projects?limit=20"),
]


def run() -> list[dict]:
    with running_server() as server:
        creds = server.django(SETUP)
        bearer = {"Authorization": f"Bearer {creds['token']}"}
        load(f"{server.base_url}/healthz", seconds=1)  # warm up
        baseline = load(f"{server.base_url}/healthz")
        me = load(f"{server.base_url}/api/v1/auth/me", bearer)
        profile = load(f"{server.base_url}/api/credits", {"api-key": creds["api_key"]})
        rows = compare("GET /api/v1/auth/me (Bearer JWT)", me, baseline, "baseline: bare Django view /healthz")
        rows += compare("GET /api/credits (api-key header)", profile, baseline)
        for name, path in AUTHENTICATED_LISTS:
            rows += compare(name, load(f"{server.base_url}{path}", bearer), baseline)
        return rows
