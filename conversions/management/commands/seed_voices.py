from django.core.management.base import BaseCommand

from conversions.catalogue.seed import seed_voices


class Command(BaseCommand):
    help = "Create or update the starter voice catalogue and render the samples it is missing (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--rerender", action="store_true", help="Render every sample again.")

    def handle(self, *args, **options):
        seed_voices(self.stdout, rerender=options["rerender"])
