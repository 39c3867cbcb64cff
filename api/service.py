"""The API (django-ninja, decision 230): `/api/v1/...`, its OpenAPI description at
`/api/schema`, and one answer shape for every refusal (`ErrorOut`). No docs page: ninja's loads
Swagger UI from a CDN, and the offices' browsers have no internet; the schema is the contract."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from api.auth import RateLimited
from api.endpoints import cases, htcds, referrals, reports
from api.errors import Conflict, Invalid

api = NinjaAPI(
    title="Cầu Nối API",
    version="1",
    description="Machine interface for partner systems: hotline 111 intake, cases and referrals, HTCDS. "
    "See docs/api.md.",
    urls_namespace="api",
    openapi_url="/schema",
    docs_url=None,
)
for module in (reports, cases, referrals, htcds):
    api.add_router("/v1/", module.router)


def _error(request: HttpRequest, status: int, detail: str, errors: list | None = None) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    response = _error(request, 401, _("Send a valid API token: Authorization: Bearer <token>."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, str(exc) or _("This client may not do this."))


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, _("Not found."))


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = _error(request, 429, _("Too many requests: wait and try again."))
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(Invalid)
def invalid(request: HttpRequest, exc: Invalid) -> HttpResponse:
    return _error(request, exc.status, exc.detail, exc.errors)


@api.exception_handler(Conflict)
def conflict(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 409, str(exc))


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")),
            "message": str(error.get("msg", "")),
        }
        for error in exc.errors
    ]
    return _error(request, 422, _("The request is not valid: see the errors."), errors)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))
