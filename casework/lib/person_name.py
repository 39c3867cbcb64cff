"""What a list row read with `casework.access.with_person_name` says about the person's name."""


class ShowsIdentity:
    """A model mixin: `shows_identity` tells whether the list that read this row gave the
    person's name. `person_name` is NULL where the reader does not hold `identity` on the
    case, and absent on a row not read by such a list; an empty name shows nothing either, so
    the row is shown by its reference."""

    @property
    def shows_identity(self) -> bool:
        return bool(getattr(self, "person_name", None))
