"""Export jobs: request, progress, download (being built)."""

from django.http import Http404


def export_list(request):
    raise Http404


def export_create(request):
    raise Http404


def export_status(request, job):
    raise Http404


def export_download(request, job):
    raise Http404
