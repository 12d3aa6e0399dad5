from celery import shared_task

from . import services


@shared_task(name="accounts.purge_expired_api_keys", ignore_result=True)
def purge_expired_api_keys():
    return services.purge_expired_api_keys()


@shared_task(name="accounts.purge_used_refresh_tokens", ignore_result=True)
def purge_used_refresh_tokens():
    return services.purge_used_refresh_tokens()
