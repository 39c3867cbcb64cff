from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The machine interface for partner systems (hotline 111, police systems, NGOs): `/api/v1/`,
    token credentials per client, every call through the web's access rules and actions."""

    name = "api"
    verbose_name = "API"
