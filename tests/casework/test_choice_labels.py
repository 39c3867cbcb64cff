"""get_FOO_display() answers what Django's own method answers, from a table built once."""

from django.apps import apps
from django.db.models import Model
from django.utils import translation

from casework.lib import choice_labels
from casework.models import Case, CaseEvent, CaseStatus


def project_choice_fields():
    for model in apps.get_models():
        if model._meta.app_label in choice_labels.PROJECT_APPS:
            for field in model._meta.concrete_fields:
                if field.choices is not None:
                    yield model, field


def test_every_choice_field_of_the_project_answers_as_django_does():
    fields = list(project_choice_fields())
    assert len(fields) > 40  # the project's models have many; an empty walk proves nothing
    checked = 0
    for language in ("vi", "en"):
        with translation.override(language):
            for model, field in fields:
                method = getattr(model, f"get_{field.name}_display")
                assert method.__name__ == f"get_{field.name}_display"
                assert not hasattr(method, "func"), f"{model.__name__}.{field.name} kept Django's method"
                values = [value for value, _label in field.flatchoices] + ["not-a-choice", None]
                for value in values:
                    instance = model()
                    setattr(instance, field.attname, value)
                    ours = method(instance)
                    assert ours == Model._get_FIELD_display(instance, field)
                    assert type(ours) is type(Model._get_FIELD_display(instance, field))
                    checked += 1
    assert checked > 500


def test_labels_follow_the_active_language():
    event = CaseEvent(kind=CaseEvent.Kind.TRANSITION)
    case = Case(status=CaseStatus.CLOSED)
    with translation.override("en"):
        assert event.get_kind_display() == "status changed"
        english_status = case.get_status_display()
    with translation.override("vi"):
        assert event.get_kind_display() == translation.gettext("status changed") != "status changed"
        assert case.get_status_display() != english_status
