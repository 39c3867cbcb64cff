"""API clients in the Django admin (platform staff): create one (its token is shown once, in
the page that answers the form, never in a message), see when each was last used, revoke. Agency administrators use
`manage.py api_client` (docs/api.md)."""

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from api.clients import do_create_client, do_revoke_client
from api.models import ApiClient, Scope
from casework.forms import GuardedForm


class ApiClientForm(GuardedForm, forms.ModelForm):
    scopes = forms.MultipleChoiceField(label=_("scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiClient
        fields = ["name", "agency", "scopes"]


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "token_prefix", "scopes", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "agency__code", "agency__name", "token_prefix"]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiClientForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "name",
            "agency",
            "scopes",
            "user",
            "token_prefix",
            "created_at",
            "created_by",
            "last_used_at",
            "revoked_at",
        ]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "agency", "scopes"]
        return self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        client, token = do_create_client(
            name=data["name"], agency=data["agency"], scopes=data["scopes"], actor=request.user
        )
        obj.pk, obj.token_prefix = client.pk, client.token_prefix
        request._api_client_token = (client, token)  # shown by response_add, kept nowhere

    def response_add(self, request, obj, post_url_continue=None):
        """The token in the answer page itself: a message would travel in the messages cookie,
        signed but not encrypted (decision 239)."""
        created = getattr(request, "_api_client_token", None)
        if created is None:
            return super().response_add(request, obj, post_url_continue)
        client, token = created
        context = {**self.admin_site.each_context(request), "client": client, "token": token, "opts": self.opts}
        response = TemplateResponse(request, "admin/api/apiclient/token_shown.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def has_add_permission(self, request):
        return request.user.is_superuser  # acts as the agency's administrator (api.clients)

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the audit rows name the client

    @admin.action(description=_("Revoke the selected clients"))
    def revoke(self, request, queryset):
        for client in queryset.filter(revoked_at__isnull=True):
            do_revoke_client(client, actor=request.user)
