"""Move DRF's plain-text API tokens (`authtoken_token`) to hashed, expiring tokens, then drop them.

`rest_framework.authtoken` stored each key as it is, so anyone who could read the app database
(or run a query against it) held every token. Each existing key is imported as a knox token with
the same key (only its SHA-512 digest is kept) and the default lifetime, so clients keep working;
then the plain-text table is dropped. A database that never had the table is left as it is.
"""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TABLE = "authtoken_token"


def import_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS, knox_settings

    connection = schema_editor.connection
    if TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("governance", "ApiToken")
    expiry = timezone.now() + (knox_settings.TOKEN_TTL or dt.timedelta(days=90))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {TABLE}")  # noqa: S608 - a fixed name
        rows = cursor.fetchall()
    for key, user_id in rows:
        digest = hash_token(key)
        if not ApiToken.objects.filter(digest=digest).exists():
            ApiToken.objects.create(
                user_id=user_id,
                digest=digest,
                token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
                expiry=expiry,
                name="imported (was stored in plain text)",
            )
    schema_editor.execute(f"DROP TABLE {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0003_api_tokens_and_org_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(import_tokens, migrations.RunPython.noop)]
