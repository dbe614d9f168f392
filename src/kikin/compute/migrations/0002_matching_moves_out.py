# The data-holder matching and community events move to the app `matching` (its 0001_initial):
# removed from this app's state only; their tables (compute_dataoffer, compute_datarequest,
# compute_introduction, compute_communityevent) stay as they are and now belong to `matching`.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("compute", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Introduction"),
                migrations.DeleteModel(name="DataOffer"),
                migrations.DeleteModel(name="DataRequest"),
                migrations.DeleteModel(name="CommunityEvent"),
            ],
            database_operations=[],
        ),
    ]
