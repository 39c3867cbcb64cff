"""The transactional outbox (QUALITY R1): a task to dispatch is a row written in the same
transaction as the change that calls for it. After commit it is published at once; the relay
republishes whatever was not published or not finished, so a Redis restart or a killed worker
delays work but loses none. Tasks mark their row done in the transaction of their effect.
The table kept its name when the model moved from referrals (decision 144)."""

from django.db import models


class OutboxMessage(models.Model):
    task = models.CharField(max_length=100)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "referrals_outboxmessage"
        indexes = [
            models.Index(
                fields=["created_at"],
                name="outbox_pending",
                condition=models.Q(done_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}{self.args}"
