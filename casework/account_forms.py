"""Forms of the sign-in's second step, re-authentication, the password pages and the
agency administrator's colleague pages."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.template import loader
from django.utils.translation import gettext_lazy as _

from casework import account_tasks
from casework.forms import StyledForm
from casework.models import Role
from casework.passwords import MAX_PASSWORD_LENGTH


class SecondFactorForm(StyledForm, forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app, or a recovery code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class EnrolForm(StyledForm, forms.Form):
    code = forms.CharField(
        label=_("The 6-digit code your app shows now"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_code(self):
        return self.cleaned_data["code"].strip()


class ReauthenticateForm(StyledForm, forms.Form):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=200, strip=False)

    def __init__(self, *args, with_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_code:
            return
        self.fields["code"] = forms.CharField(
            label=_("Code from your authenticator app, or a recovery code"),
            max_length=20,
            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "class": "form-control"}),
        )


def _new_password_widgets(form) -> None:
    """The new password gets the strength estimate (static/js/password.js) and the browser
    stops typing beyond the longest password accepted (the validator still checks)."""
    form.fields["new_password1"].widget.attrs.update(
        {"data-password-strength": "", "maxlength": str(MAX_PASSWORD_LENGTH)}
    )
    form.fields["new_password2"].widget.attrs["maxlength"] = str(MAX_PASSWORD_LENGTH)


class PasswordChangeForm(StyledForm, auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _new_password_widgets(self)


class SetPasswordForm(StyledForm, auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _new_password_widgets(self)


class PasswordResetForm(StyledForm, auth_forms.PasswordResetForm):
    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        """Queued, not sent in the request: a slow mail server never holds up the page, and the
        answer takes as long whether or not the address belongs to an account."""
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        account_tasks.dispatch(account_tasks.send_account_email, subject, body, to_email)


class InviteColleagueForm(StyledForm, forms.Form):
    """An agency administrator's invitation; the roles are her agency's roles."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Letters, digits and . @ + - _ only. They sign in with it."),
    )
    email = forms.EmailField(label=_("E-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)

    def clean_full_name(self):
        return self.cleaned_data["full_name"].strip()

    def clean_username(self):
        return self.cleaned_data["username"].strip()


class ChangeRoleForm(StyledForm, forms.Form):
    role = forms.ChoiceField(label=_("New role"), choices=Role.choices)
