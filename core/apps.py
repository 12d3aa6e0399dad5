from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .ids import IdConverter
        from .scratch import use_own_scratch

        # Registered before any URL conf is imported, so every app's routes can write <id:...>.
        register_converter(IdConverter, "id")
        # Temporary files under the data dir, one folder per process; a killed process's folder
        # is removed by the next process that starts.
        use_own_scratch()
