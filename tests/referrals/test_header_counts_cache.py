"""The header's inbox badge and unread count come from the cache (decision 251) and change at
once when a referral to the agency or one of the user's notifications changes: the user who
just acted, and the agency a referral was just sent to, see the new count on the next page."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.fixtures.personas import sign_in
from tests.referrals.test_inbox_pages import send

pytestmark = pytest.mark.django_db

PAGE = "/account/"
INBOX_BADGE = '<span class="badge text-bg-danger">1</span>'
UNREAD_BADGE = 'data-testid="unread-count">1<'


@pytest.fixture
def header_cache(settings):
    settings.CAUNOI_HEADER_COUNTS_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def page(client) -> tuple[int, str]:
    """How many statements counted the header, and the page."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(PAGE)
    assert response.status_code == 200
    sqls = [query["sql"] for query in captured.captured_queries]
    counted = [sql for sql in sqls if "COUNT(" in sql and "referrals_notification" in sql]
    return len(counted), response.content.decode()


def test_the_counts_are_counted_once_then_read_from_the_cache(net, header_cache):
    client = sign_in(net.social_worker)
    assert page(client)[0] == 1
    assert page(client)[0] == 0
    # Another agency's user has counts of her own.
    assert page(sign_in(net.owner))[0] == 1


def test_a_referral_sent_to_the_agency_shows_on_its_next_page(net, header_cache, django_capture_on_commit_callbacks):
    client = sign_in(net.social_supervisor)  # told of new referrals
    counted, html = page(client)
    assert INBOX_BADGE not in html and UNREAD_BADGE not in html
    with django_capture_on_commit_callbacks(execute=True):
        send(net)
    counted, html = page(client)
    assert counted == 1
    assert INBOX_BADGE in html and UNREAD_BADGE in html


def test_the_user_who_marked_everything_read_sees_no_unread_count(
    net, header_cache, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(net)
    client = sign_in(net.social_supervisor)
    assert UNREAD_BADGE in page(client)[1]
    assert UNREAD_BADGE in page(client)[1]  # from the cache
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/referrals/notifications/read-all/").status_code == 302
    counted, html = page(client)
    assert counted == 1
    assert 'data-testid="unread-count"' not in html
    assert INBOX_BADGE in html  # the referral still waits in the inbox


def test_without_the_cache_setting_every_page_counts(net):
    client = sign_in(net.social_worker)
    assert page(client)[0] == 1
    assert page(client)[0] == 1
