"""What a list row read with `casework.access.with_person_name` says about the person's name."""

from collections.abc import Iterable
from typing import Any


def gives_name(row: Any) -> bool:
    """Whether the row carries a name to show: NULL where the reader does not hold `identity`,
    absent on a row not read by such a list, and an empty name shows nothing either."""
    return bool(getattr(row, "person_name", None))


def names_shown(rows: Iterable[Any]) -> bool:
    """Whether a list of such rows shows any person's name: its audit row names `identity`."""
    return any(gives_name(row) for row in rows)


class ShowsIdentity:
    """A model mixin: `shows_identity` tells whether the list that read this row gave the
    person's name. `person_name` is NULL where the reader does not hold `identity` on the
    case, and absent on a row not read by such a list; an empty name shows nothing either, so
    the row is shown by its reference."""

    @property
    def shows_identity(self) -> bool:
        return gives_name(self)
