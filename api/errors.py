"""Refusals the endpoints raise; `api.service` turns each into its status and an `ErrorOut`."""


class Invalid(Exception):
    """Bad input: a sentence and, per field, what is wrong (422 unless said otherwise)."""

    def __init__(self, detail: str, errors: list[dict] | None = None, *, status: int = 422):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.status = status


class Conflict(Exception):
    """The object is not in a state that allows this (a refused referral move): 409."""
