from django.apps import AppConfig


class StampsConfig(AppConfig):
    name = "stamps"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import webhook_events

        webhook_events.register()
