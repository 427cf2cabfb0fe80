"""API tokens move from Django REST framework's `authtoken_token` (keys in plain text, no
expiry) to django-rest-knox's `knox_authtoken` (a SHA-512 digest and the key's first
characters, an expiry). Each existing key is hashed into a knox token that expires
API_TOKEN_DAYS after this migration, so that clients keep working until then; the plain
table is then dropped (with its rows in django_migrations, as the app is no longer
installed). A fresh database has no such table and nothing to move. Not reversible: the
keys cannot be recovered from their digests."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def hash_old_tokens(apps, schema_editor):
    move_plain_tokens(apps, schema_editor.connection)


def move_plain_tokens(apps, connection):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    if OLD_TABLE not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote('key')}, user_id FROM {quote(OLD_TABLE)}")
        rows = cursor.fetchall()
    AuthToken.objects.using(connection.alias).bulk_create(
        AuthToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=expiry,
        )
        for key, user_id in rows
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {quote(OLD_TABLE)}")
        cursor.execute("DELETE FROM django_migrations WHERE app = %s", ["authtoken"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_cadre_role"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(hash_old_tokens, migrations.RunPython.noop)]
