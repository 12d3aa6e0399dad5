"""Rules behind the API: credit under concurrency, storage cleanup, audit retention."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from core.models import Job as BackgroundJob
from core.storage import object_storage
from partners.account import services as account_services
from partners.jobs import services as job_services
from partners.talents import services as talent_services
from partners.models import AuditLogEntry, Job, LedgerEntry, Talent
from tests.conftest import wait_until
from tests.partners.conftest import PREFIX, PartnerClient


@pytest.mark.django_db(transaction=True)
def test_concurrent_jobs_never_spend_past_the_credit_limit(make_partner, make_program, make_talent):
    partner = make_partner(credit_limit=Decimal("200.00"))
    program = make_program(partner, unit_price=Decimal("100.00"))
    talent = make_talent(program)
    body = {"program_id": program.pk, "talent_id": talent.pk, "sample_script": "Hi", "job_description": "Go"}
    statuses = []
    start = threading.Barrier(5)

    def create():
        try:
            start.wait()
            response = PartnerClient(partner.key).post(f"{PREFIX}/jobs", body, format="json")
            statuses.append(
                (response.status_code, response.json()["error"]["code"] if response.status_code != 201 else None)
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses, key=str) == sorted([(201, None)] * 2 + [(400, 140)] * 3, key=str)
    partner.refresh_from_db()
    assert partner.balance == Decimal("200.00")
    assert Job.objects.count() == 2 and LedgerEntry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_deleting_a_talent_removes_its_demos_and_avatar_from_storage(make_talent, short_mp3, celery_worker):
    from tests.media import image_bytes

    talent = make_talent()
    demo = talent_services.add_demo(talent, SimpleUploadedFile("d.mp3", short_mp3.read_bytes()), title="D", tags=[])
    talent = talent_services.set_avatar(talent, SimpleUploadedFile("a.png", image_bytes()))
    keys = [demo.audio_key, talent.avatar_key]
    assert all(object_storage.exists(key) for key in keys)
    talent_services.delete_talent(talent)
    assert not Talent.objects.filter(pk=talent.pk).exists()
    cleanup = BackgroundJob.objects.get(kind="storage.cleanup")
    wait_until(
        lambda: BackgroundJob.objects.filter(pk=cleanup.pk, state="succeeded").exists(),
        timeout=60,
        message="the storage cleanup job",
    )
    assert not any(object_storage.exists(key) for key in keys)


@pytest.mark.django_db
def test_audit_log_retention(settings, partner):
    settings.PARTNERS_AUDIT_RETENTION_DAYS = 30
    PartnerClient(partner.key).get(f"{PREFIX}/programs")
    PartnerClient(partner.key).get(f"{PREFIX}/programs")
    old, recent = AuditLogEntry.objects.order_by("id")
    AuditLogEntry.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=31))
    assert account_services.purge_audit_log() == 1
    assert list(AuditLogEntry.objects.values_list("pk", flat=True)) == [recent.pk]


@pytest.mark.django_db
def test_a_new_delivery_schedules_the_previous_file_for_removal(delivered_job, short_mp3):
    previous = delivered_job.delivered_file_key
    job_services.deliver_file(
        delivered_job, SimpleUploadedFile("take2.mp3", short_mp3.read_bytes()), "take2.mp3", by="staff@example.com"
    )
    delivered_job.refresh_from_db()
    assert delivered_job.delivered_file_key != previous
    assert object_storage.exists(delivered_job.delivered_file_key)
    cleanup = BackgroundJob.objects.get(kind="storage.cleanup")
    assert cleanup.payload == {"keys": [previous]}
