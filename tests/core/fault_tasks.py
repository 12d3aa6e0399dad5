"""A job the fault tests control: it runs until the test creates its release file, then records
one line per result write in its runs file (so a job that ran twice shows two lines). Loaded into
the test's worker with ``--include``."""

import os
import tempfile
import time
from pathlib import Path

from core import jobs


@jobs.job_task("tests.hold_until_released")
def hold_until_released(job_id):
    def work(ctx: jobs.JobContext):
        release = Path(ctx.job.payload["release"])
        # Scratch as the engines make it, so a kill leaves some behind.
        scratch = Path(tempfile.mkdtemp(prefix="held-"))
        (scratch / "partial.bin").write_bytes(b"x" * 1024 * 1024)
        deadline = time.monotonic() + 120
        while not release.exists():
            if time.monotonic() > deadline:
                raise jobs.JobFailed("The test never released the job.")
            time.sleep(0.1)
        with ctx.writing_results(), open(ctx.job.payload["runs"], "a") as runs:
            runs.write(f"{ctx.token} {os.getpid()} {scratch}\n")

    jobs.run_job(job_id, work)
