from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .ids import IdConverter

        # Registered before any URL conf is imported, so every app's routes can write <id:...>.
        register_converter(IdConverter, "id")
