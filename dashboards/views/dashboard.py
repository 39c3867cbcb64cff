"""Supervisor dashboard and official statistics (being built)."""

from django.http import Http404


def dashboard(request):
    raise Http404


def statistics(request):
    raise Http404
