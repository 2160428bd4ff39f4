"""`manage.py drf_create_token USERNAME`: a new hashed, expiring API token, printed once.

The contract's name (DRF's own command, which stored keys in plain text) with the same output line,
`Generated token <key> for user <username>`, so scripts that read it keep working. Unlike DRF's,
each run creates a new token (a stored token cannot be shown again: only its digest is kept);
`--reset` revokes the user's other tokens first.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.governance.api_tokens import (
    TokenError,
    api_token_create,
    api_token_list,
    api_token_revoke,
)


class Command(BaseCommand):
    help = "Create an API token for a user (hashed at rest, expiring); prints the key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "-r",
            "--reset",
            action="store_true",
            help="revoke the user's existing tokens first",
        )
        parser.add_argument("--days", type=int, default=None, help="lifetime in days")
        parser.add_argument("--name", default="command line", help="what the token is for")

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["username"])
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Cannot create the Token: user {username} does not exist")
        if options["reset"]:
            for token in api_token_list(user=user):
                api_token_revoke(token=token, channel="cli")
        try:
            token, key = api_token_create(
                user=user, name=str(options["name"]), days=options["days"], channel="cli"
            )
        except TokenError as exc:
            raise CommandError(f"Cannot create the Token: {exc.message}") from None
        self.stdout.write(f"Generated token {key} for user {username}")
        expiry = token.expiry.isoformat(timespec="minutes") if token.expiry else "never"
        self.stderr.write(f"It expires {expiry}; it is not shown again.")
