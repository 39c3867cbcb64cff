"""Notification texts are identity-free by a table (decision 170): every parameter a text uses
has a class in `PARAM_CLASSES`, none is `identity`, and `notify` refuses a parameter the table
does not know, so a notice can never be given the person's name."""

import re

import pytest

from casework.models import SensitivityClass
from messaging import notify
from messaging.models import Notification

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def placeholders() -> set[str]:
    texts = [*notify.MESSAGES.values(), notify.EMAIL_SUBJECT, notify.EMAIL_SUBJECT_FOLLOWUP]
    return {name for text in texts for name in PLACEHOLDER.findall(str(text))} - {"kind", "url"}


def test_every_parameter_of_a_text_has_a_class_and_none_is_identity():
    assert placeholders() <= set(notify.PARAM_CLASSES)
    assert set(notify.PARAM_CLASSES.values()) <= notify.NOTICE_CLASSES
    assert SensitivityClass.IDENTITY not in notify.NOTICE_CLASSES


@pytest.mark.parametrize("extra", [{"name": "Lò Thị Mai"}, {"phone": "0912000111"}, {"unknown": 1}])
def test_notify_refuses_a_parameter_without_a_notice_class(world, extra):
    with pytest.raises(ValueError):
        notify.notify(
            users=[world.supervisor],
            agency=world.police,
            kind=Notification.Kind.TASK_CREATED,
            params={"case": world.case.reference, "task": "child_collection", "due": "", **extra},
            url="/today/",
            key="refused",
        )
    assert not Notification.objects.exists()
