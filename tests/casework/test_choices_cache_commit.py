"""Select options from the cache: options rebuilt inside the saving transaction do not outlive
its commit."""

from django.core.cache import cache as django_cache

from casework import choices_cache
from tests.fixtures.personas import make_agency


def test_options_rebuilt_during_the_saving_transaction_do_not_outlive_its_commit(
    reference_data, settings, django_capture_on_commit_callbacks
):
    """Another request may read the options between the save (and its bump) and the commit,
    from the data as it was before: what it stores must not be served after the commit."""
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 300
    django_cache.clear()
    agency = make_agency("probe-renamed", "police", "LCA")
    with django_capture_on_commit_callbacks(execute=True):
        agency.name = "Tên mới"
        agency.save()
        # The concurrent request, still seeing the old name:
        choices_cache.get_or_build("probe", "vi", lambda: ["Tên cũ"], 300)
    assert choices_cache.get_or_build("probe", "vi", lambda: ["Tên mới"], 300) == ["Tên mới"]
    django_cache.clear()
