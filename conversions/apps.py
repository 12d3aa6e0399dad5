from django.apps import AppConfig


class ConversionsConfig(AppConfig):
    name = "conversions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import webhook_events
        from .catalogue import version

        webhook_events.register()
        version.connect_signals()
