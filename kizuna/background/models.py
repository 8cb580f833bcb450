from django.db import models
from django.utils.timezone import now


class WorkerLease(models.Model):
    """One running `kizuna worker`: it renews `renewed_at` while it lives.

    A task is RUNNING on the worker named last in its `worker_ids`; when that worker's lease
    has expired (killed, machine lost), any other worker puts the task back in the queue.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField(default=now)
    renewed_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        verbose_name = "worker lease"

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}, pid {self.pid})"
