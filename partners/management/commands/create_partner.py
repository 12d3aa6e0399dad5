"""Create a partner with an API key; the key is printed on the last line (for scripts)."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from partners.account import services
from partners.programs.demo import create_demo_program


def _amount(value: str) -> Decimal:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CommandError(f"--credit-limit must be an amount, not {value!r}") from None
    if amount < 0:
        raise CommandError("--credit-limit cannot be negative")
    return amount


class Command(BaseCommand):
    help = "Create a Partner Program partner (access enabled) and print its new API key on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--live", action="store_true", help="Start in live mode (default: test mode).")
        parser.add_argument(
            "--credit-limit",
            type=_amount,
            default=None,
            help="Outstanding balance allowed; without it job creation answers 141.",
        )
        parser.add_argument(
            "--demo-program",
            action="store_true",
            help="Also create an active program with three talents, their demos and a sample job.",
        )
        parser.add_argument(
            "--manager-email",
            default="program-manager@example.com",
            help="The demo program's manager (emailed past the edit limit).",
        )

    def handle(self, *args, **options):
        name = options["name"].strip()
        if not name:
            raise CommandError("--name cannot be empty")
        try:
            partner, plaintext = services.create_partner(
                name=name, live=options["live"], credit_limit=options["credit_limit"]
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        limit = partner.credit_limit if partner.credit_limit is not None else "not set"
        self.stdout.write(
            f"Partner {partner.name} (id {partner.pk}): {partner.mode} mode, access enabled, credit limit {limit}."
        )
        if options["demo_program"]:
            program = create_demo_program(partner, manager_email=options["manager_email"])
            talents = ", ".join(f"{t.pk} {t.first_name} {t.last_name}" for t in program.talents.order_by("id"))
            job = program.jobs.get()
            self.stdout.write(f"Demo program {program.pk} with talents {talents} and sample job {job.pk}.")
        self.stdout.write("API key (shown once; send it as X-API-KEY):")
        self.stdout.write(plaintext)
