from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """The system's data-exchange boundary: export and import jobs and the HTCDS 2.0 files."""

    name = "exchange"
    verbose_name = "Exchange"
