"""API clients of the reception chain's agencies and a helper that calls the API as one."""

import json

import pytest
from django.test import Client

from api.clients import do_create_client
from api.models import Scope
from casework.models import Role
from tests.fixtures.personas import make_user

ALL_SCOPES = list(Scope.values)


class Caller:
    """A partner system: its token on every request, JSON in and out."""

    def __init__(self, token: str):
        self.token = token
        self.http = Client()

    def _headers(self, headers: dict) -> dict:
        return {
            "HTTP_AUTHORIZATION": f"Bearer {self.token}",
            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
        }

    def get(self, path: str, params: dict | None = None, **headers):
        return self.http.get(path, params or {}, **self._headers(headers))

    def post(self, path: str, body=None, **headers):
        data = json.dumps(body if body is not None else {})
        return self.http.post(path, data, content_type="application/json", **self._headers(headers))


def make_client(agency, scopes=ALL_SCOPES, name="Partner"):
    admin = make_user(f"{agency.code}.admin.{len(name)}.{len(scopes)}", agency, Role.AGENCY_ADMIN)
    client, token = do_create_client(name=name, agency=agency, scopes=scopes, actor=admin)
    return client, Caller(token)


@pytest.fixture
def api(chain):
    """The chain plus a hotline client of Lào Cai police, and clients of the commune, Sở Y tế
    of Lào Cai and of Hà Nội (who sees nothing of Lào Cai's cases)."""
    chain.police_client, chain.police_api = make_client(chain.police, name="Hệ thống công an")
    chain.commune_client, chain.commune_api = make_client(chain.commune, name="Xã Bát Xát")
    chain.syt_client, chain.syt_api = make_client(chain.syt, name="Sở Y tế Lào Cai")
    chain.syt_hn_client, chain.syt_hn_api = make_client(chain.syt_hn, name="Sở Y tế Hà Nội")
    return chain
