# The models moved from `compute` (its 0002_matching_moves_out): created in this app's state only,
# on the tables they had there (db_table "compute_<model>"), so nothing is written to the database.
# The content types of the four models follow them (so admin history and permissions keep
# pointing at them); on a fresh database there are none yet and post_migrate creates them.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ["dataoffer", "datarequest", "introduction", "communityevent"]


def _move_content_types(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label=target, model=model).exists():
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _move_content_types(apps, "compute", "matching")


def backwards(apps, schema_editor):
    _move_content_types(apps, "matching", "compute")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0001_initial"),
        ("awards", "0002_progress"),
        ("compute", "0002_matching_moves_out"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CommunityEvent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("held_on", models.DateField(verbose_name="date")),
                        ("kind", models.CharField(choices=[("seminar", "Seminar"), ("exchange", "Developer exchange"), ("matching", "Matching event")], max_length=10, verbose_name="kind")),
                        ("attendees", models.PositiveIntegerField(default=0, verbose_name="attendees")),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "community event",
                        "db_table": "compute_communityevent",
                        "ordering": ["-held_on", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="DataOffer",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("holder_name", models.CharField(max_length=200, verbose_name="data holder")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("description", models.TextField(verbose_name="description")),
                        ("conditions", models.TextField(verbose_name="conditions of use")),
                        ("is_open", models.BooleanField(default=True, verbose_name="open")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("holder", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="data_offers", to="accounts.organisation", verbose_name="holder (registered organisation)")),
                    ],
                    options={
                        "verbose_name": "data offered",
                        "db_table": "compute_dataoffer",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="DataRequest",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("description", models.TextField(verbose_name="description")),
                        ("is_open", models.BooleanField(default=True, verbose_name="open")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("award", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="data_requests", to="awards.award", verbose_name="developer")),
                        ("created_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "data wanted",
                        "db_table": "compute_datarequest",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="Introduction",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("outcome", models.CharField(choices=[("pending", "Pending"), ("agreed", "Agreed"), ("declined", "Declined")], default="pending", max_length=10, verbose_name="outcome")),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        ("introduced_at", models.DateTimeField(auto_now_add=True)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        ("introduced_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("offer", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="introductions", to="matching.dataoffer")),
                        ("request", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="introductions", to="matching.datarequest")),
                    ],
                    options={
                        "db_table": "compute_introduction",
                        "ordering": ["-introduced_at", "-id"],
                        "constraints": [
                            models.UniqueConstraint(fields=("offer", "request"), name="one_introduction_per_pair"),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards, elidable=True),
    ]
