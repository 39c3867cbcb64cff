"""The URLs of a page's many rows, each route reversed once per page rather than once per row
(the case list's and the inbox's rows, decisions 270 and 306)."""

from collections.abc import Callable

from django.urls import reverse

# A public id no object has: reversed in its place, then replaced by each row's own.
_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def by_public_id(name: str) -> Callable[[object], str]:
    """The URL of the route `name` for a row's public id."""
    pattern = reverse(name, args=[_PLACEHOLDER])
    return lambda public_id: pattern.replace(_PLACEHOLDER, str(public_id))
