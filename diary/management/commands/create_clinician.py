from __future__ import annotations

import getpass
import os

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction

from diary import services
from diary.models import ClinicRole, User

PASSWORD_VARIABLE = "DJANGO_CLINICIAN_PASSWORD"  # noqa: S105 - the variable's name


class Command(BaseCommand):
    help = (
        "Create a clinician or nurse account in a clinic (created when new; without --clinic, "
        "a clinic of their own). With --noinput the password comes from "
        f"the {PASSWORD_VARIABLE} environment variable."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--name", default="", help="Name shown to patients.")
        parser.add_argument("--clinic", default="", help="The clinic's name; created when new.")
        parser.add_argument(
            "--role",
            default=ClinicRole.CLINICIAN,
            choices=ClinicRole.values,
            help="clinician (default) or nurse: nurses do not sign off reports.",
        )
        parser.add_argument("--noinput", "--no-input", action="store_true")

    def handle(self, *args, email, name, clinic, role, noinput, **options):
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid email address.") from None
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"A user with the email {email} already exists.")
        if noinput:
            password = os.environ.get(PASSWORD_VARIABLE)
            if not password:
                raise CommandError(f"Set {PASSWORD_VARIABLE} when using --noinput.")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.")
        try:
            validate_password(password, User(email=email))
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        with transaction.atomic():
            clinician = services.clinician_create(
                email=email, password=password, display_name=name, clinic=clinic, role=role
            )
            EmailAddress.objects.create(
                user=clinician.user, email=email, verified=True, primary=True
            )
        membership = clinician.membership
        self.stdout.write(
            f"{membership.get_role_display()} {email} created in the clinic {membership.clinic}."
        )
