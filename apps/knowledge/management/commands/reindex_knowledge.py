"""`manage.py reindex_knowledge`: rebuild an org's vector index from its documents."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.governance.cli import organizations_from_option
from apps.knowledge.indexing import org_reindex


class Command(BaseCommand):
    help = "Drop and rebuild the vector index of one organization (or all), with progress."

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("--org", help="Organization slug (default: every organization).")

    def handle(self, *args, **options) -> None:  # noqa: ANN002, ANN003
        orgs = organizations_from_option(options["org"])
        for org in orgs:

            def progress(done: int, total: int, slug: str = org.slug) -> None:
                self.stdout.write(f"[{slug}] {done}/{total} documents")

            summary = org_reindex(org=org, progress=progress)
            self.stdout.write(
                f"[{org.slug}] indexed {summary['documents']} documents, {summary['chunks']} chunks"
            )
