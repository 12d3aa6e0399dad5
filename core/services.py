"""Writes of the shared mechanisms that domains call."""

from . import jobs
from .storage import object_storage


def schedule_storage_cleanup(keys, *, subject: str = "", prefixes=()) -> jobs.Job | None:
    """Delete storage objects (and everything under ``prefixes``) in the background once the
    surrounding transaction commits.

    Domains delete their rows first and their objects after: if the transaction rolls
    back nothing is deleted, and a storage hiccup is retried instead of failing the request.
    A prefix also takes the objects no row recorded (the outputs of a killed job).
    """
    keys = sorted({key for key in keys if key})
    prefixes = sorted({prefix.strip("/") for prefix in prefixes if prefix.strip("/")})
    if not keys and not prefixes:
        return None
    payload = {"keys": keys, **({"prefixes": prefixes} if prefixes else {})}
    return jobs.start_job("storage.cleanup", "core.cleanup_storage", subject=subject, payload=payload)


def run_storage_cleanup(job_id) -> None:
    def work(ctx: jobs.JobContext):
        keys = list(ctx.job.payload.get("keys", []))
        for prefix in ctx.job.payload.get("prefixes", []):
            keys.extend(object_storage.list(prefix))
        for index, key in enumerate(keys, start=1):
            try:
                object_storage.delete(key)
            except OSError as exc:
                raise jobs.TransientJobError(f"could not delete {key}: {exc}") from exc
            ctx.progress(index * 100 // len(keys))

    jobs.run_job(job_id, work)
