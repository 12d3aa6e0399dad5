"""Partner API: GET /programs/:program_id/jobs with 10,000 jobs on gunicorn — latency and the
number of queries per request, side by side with the same endpoint on a 100-job program."""

from benchmarks.harness import running_server, wrk

BIG, SMALL = 10_000, 100

SETUP = f"""
import json
from datetime import timedelta
from decimal import Decimal
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from partners.account import services
from partners.models import Job, Program, Talent

partner, key = services.create_partner(name="Bench partner", live=True, credit_limit=Decimal("1000000"))
today = timezone.localdate()
talent = Talent.objects.create(first_name="Bench", last_name="Talent", gender="female", languages=["English"])
programs = {{}}
for size in ({BIG}, {SMALL}):
    program = Program.objects.create(partner=partner, name=f"{{size}} jobs", unit_price=Decimal("10"),
                                     start_date=today - timedelta(days=1), end_date=today + timedelta(days=30),
                                     manager_email="pm@example.com")
    program.talents.add(talent)
    Job.objects.bulk_create(
        [Job(program=program, talent=talent, sample_script=f"Script {{index}}", job_description="Benchmark job",
             edit_count=index % 3) for index in range(size)],
        batch_size=1000,
    )
    programs[size] = program.pk

client = Client(HTTP_X_API_KEY=key)
queries = {{}}
for size, program_id in programs.items():
    client.get(f"/v4/partners/programs/{{program_id}}/jobs")  # warm up
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/v4/partners/programs/{{program_id}}/jobs")
    assert response.status_code == 200 and response.json()["data_count"] == size
    queries[size] = len(captured.captured_queries)
print(json.dumps({{"key": key, "programs": programs, "queries": queries}}))
"""


def run() -> list[dict]:
    with running_server(workers=1, threads=2, extra_env={"PARTNERS_RATE_LIMIT": "1000000/minute"}) as server:
        setup = server.django(SETUP)
        headers = {"X-API-KEY": setup["key"]}

        def url(size):
            return f"{server.base_url}/v4/partners/programs/{setup['programs'][str(size)]}/jobs"

        wrk(url(SMALL), headers, connections=1, seconds=1)  # warm up
        small = wrk(url(SMALL), headers, connections=1, seconds=4)
        big = wrk(url(BIG), headers, connections=1, seconds=8)
        queries = setup["queries"]
        note = f"baseline: the same endpoint with {SMALL} jobs"
        rows = [
            {
                "name": f"GET /programs/:id/jobs ({BIG:,} jobs): p50 latency",
                "value": round(big.p50_ms, 1),
                "unit": "ms",
                "baseline": round(small.p50_ms, 1),
                "ratio": round(big.p50_ms / small.p50_ms, 1),
                "note": note,
            },
            {
                "name": f"GET /programs/:id/jobs ({BIG:,} jobs): p99 latency",
                "value": round(big.p99_ms, 1),
                "unit": "ms",
                "baseline": round(small.p99_ms, 1),
                "ratio": round(big.p99_ms / small.p99_ms, 1),
                "note": f"{big.requests} requests, {big.errors} errors",
            },
            {
                "name": f"GET /programs/:id/jobs ({BIG:,} jobs): queries/request",
                "value": queries[str(BIG)],
                "unit": "queries",
                "baseline": queries[str(SMALL)],
                "ratio": round(queries[str(BIG)] / queries[str(SMALL)], 2),
                "note": "constant: ratio 1.0",
            },
        ]
        return rows


if __name__ == "__main__":
    for row in run():
        print(row)
