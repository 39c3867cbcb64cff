"""The case page reads a case's newest notes, then older ones a page at a time, from an index
in that order (issue 18, docs/decisions.md 313)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0032_case_verification_open'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='note',
            index=models.Index(fields=['case', '-created_at', '-id'], name='note_case_newest'),
        ),
    ]
