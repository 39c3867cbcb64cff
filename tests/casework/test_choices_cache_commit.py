"""Select options from the cache: options rebuilt inside the saving transaction do not outlive
its commit."""

from django.core.cache import cache as django_cache
from django.core.management.sql import emit_post_migrate_signal

from casework import actions, choices_cache
from casework.lib import generations
from casework.models import Membership, Role
from tests.fixtures.personas import make_agency, make_user, sign_in


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


def _picker(client, case) -> str:
    response = client.get(f"/cases/{case.public_id}/assign/form/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def test_an_ended_membership_leaves_the_cached_caseworker_options_at_once(world, settings):
    """Ending a membership is an update(), which sends no post_save: the options are dropped by
    the action itself, so nobody is offered a colleague who has left, whatever the cache's life."""
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 3600
    django_cache.clear()
    leaver = make_user("leaver.cached", world.police, Role.CASEWORKER)
    supervisor = sign_in(world.supervisor)
    assert f'value="{leaver.pk}"' in _picker(supervisor, world.case)  # now in the cache
    membership = Membership.objects.get(user=leaver, agency=world.police, is_active=True)
    actions.do_end_membership(membership, actor=world.supervisor)
    picker = _picker(supervisor, world.case)
    assert f'value="{world.colleague.pk}"' in picker
    assert f'value="{leaver.pk}"' not in picker
    django_cache.clear()


def test_a_migration_drops_the_cached_options(reference_data, settings):
    """Data migrations write reference rows through historical models, whose saves the
    receivers do not hear: every migrate ends by dropping the options."""
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 3600
    django_cache.clear()
    choices_cache.get_or_build("probe", "vi", lambda: ["trước"], 3600)
    emit_post_migrate_signal(0, False, "default")
    assert choices_cache.get_or_build("probe", "vi", lambda: ["sau"], 3600) == ["sau"]
    django_cache.clear()


def test_a_bump_the_cache_refused_is_paid_once_it_answers_again(reference_data, settings, monkeypatch):
    """A save during a cache outage could not drop the options; when the cache answers again
    (a blip, or Redis back with its data) the options stored before the save must not be
    served for the rest of their hour."""
    settings.CAUNOI_CHOICES_CACHE_SECONDS = 3600
    django_cache.clear()
    monkeypatch.setattr(generations, "RETRY_SECONDS", 0)
    choices_cache.get_or_build("probe", "vi", lambda: ["trước"], 3600)

    def refused(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(generations.cache, "incr", refused)
    choices_cache.invalidate()  # the save's bump: logged, not raised
    assert generations.owed() == {choices_cache.GENERATION_KEY}
    monkeypatch.undo()
    assert choices_cache.get_or_build("probe", "vi", lambda: ["sau"], 3600) == ["sau"]
    assert generations.owed() == set()
    django_cache.clear()


def test_an_owed_bump_waits_before_it_is_tried_again(reference_data, monkeypatch):
    """While the cache is down, a read does not wait for the cache twice on every request."""
    django_cache.clear()
    tries = []

    def refused(*args, **kwargs):
        tries.append(args)
        raise ConnectionError("cache down")

    monkeypatch.setattr(generations.cache, "incr", refused)
    choices_cache.invalidate()
    assert len(tries) == 1
    for _ in range(3):
        generations.current(choices_cache.GENERATION_KEY)
    assert len(tries) == 2  # one payment tried, then the wait
    monkeypatch.undo()
    generations._next_try = 0.0  # the wait over
    generations.current(choices_cache.GENERATION_KEY)
    assert generations.owed() == set()
    django_cache.clear()
