"""`manage.py create_org --slug SLUG --name NAME [--language es|en]`: a new organization whose
users can ask at once.

The org gets a policy for every role derived from the catalog (`governance.services.
DEFAULT_POLICIES`): personal columns masked for every role but ADMIN, sensitive tables kept from
VIEWER and ANALYST, everything else readable. Connect its data with `manage.py add_datasource`,
add people in the admin (docs/your-own-data.md). Idempotent: an existing org is left as it is.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from apps.governance.cli import OneLineErrors
from apps.governance.models import Organization
from apps.governance.services import organization_create

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class Command(OneLineErrors, BaseCommand):
    help = "Create an organization with default access policies derived from the catalog."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--slug", required=True, help="Lower-case letters, digits, '-'.")
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--language",
            default="es",
            choices=Organization.Language.values,
            help="Language of generated documentation (default es).",
        )

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        slug, name = options["slug"].strip(), options["name"].strip()
        if not _SLUG.match(slug):
            raise CommandError(f"invalid slug {slug!r}: lower-case letters, digits and '-'")
        if not name:
            raise CommandError("--name must not be empty")
        existed = Organization.objects.filter(slug=slug).exists()
        org = organization_create(name=name, slug=slug, language=options["language"])
        if existed:
            self.stdout.write(f"Organization {org.slug} already exists: left as it is.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Organization {org.slug} created ({org.language}), with default policies: "
                    "personal columns masked except for ADMIN, sensitive tables hidden from "
                    "VIEWER and ANALYST."
                )
            )
