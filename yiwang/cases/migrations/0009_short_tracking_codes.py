"""Tracking codes of 8 characters a resident can read out on the phone.

The column only narrows from 32 to 20 characters: the codes given before (20 characters)
stay as they are, since residents hold them on paper, and the tracking page still looks
them up (yiwang.cases.services.public.clean_tracking_code). No data is rewritten."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_client_uuid"),
    ]

    operations = [
        migrations.AlterField(
            model_name="case",
            name="tracking_code",
            field=models.CharField(max_length=20, verbose_name="tracking code"),
        ),
    ]
