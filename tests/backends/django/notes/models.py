from django.conf import settings
from django.db import models


class Note(models.Model):
    """A short text owned by one user: the protected resource the tests forward to."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField(max_length=500)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
