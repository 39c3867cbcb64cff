"""A small browser: cookies, CSRF, the sign-in form and the agency chooser, over http.client.

One `Client` is one signed-in person's browser. It is used by one thread at a time; the
load generator gives every virtual user clients of its own. Like a browser, a client keeps
its connection open between requests (HTTP/1.1 keep-alive) when the server allows it:
gunicorn's sync workers close it after every response, and the next request then connects
anew; gthread workers keep it. A kept connection the server has closed meanwhile (its
keep-alive timeout) is found dead at the next request, which is then sent once more on a new
connection — the time of both attempts counts. The load generator runs on the same two cores
as the server, so a connection per request was CPU taken from the server (decision 271).
"""

import http.client
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urljoin, urlsplit

from bench import html

USER_AGENT = "caunoi-bench/1"
TIMEOUT = 300
# What a kept connection that the server closed while idle raises when it is used again.
STALE_CONNECTION = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class BenchError(Exception):
    """The harness could not do what a user would do (sign in, find a page, a form)."""


@dataclass
class Response:
    method: str
    url: str
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed_ms: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str | None:
        target = self.headers.get("Location")
        return urljoin(self.url, target) if target else None

    @property
    def queries(self) -> int | None:
        value = self.headers.get("X-Query-Count")
        return int(value) if value and value.isdigit() else None

    @property
    def db_ms(self) -> float | None:
        for part in (self.headers.get("Server-Timing") or "").split(","):
            name, _, rest = part.strip().partition(";")
            if name == "db" and rest.startswith("dur="):
                return float(rest[4:])
        return None

    @property
    def ok(self) -> bool:
        """What the benchmarks count as success: any 2xx or 3xx."""
        return 200 <= self.status < 400

    def page(self) -> html.PageParser:
        return html.parse(self.text)


class Client:
    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.base_url = f"{parts.scheme}://{parts.netloc}"
        self.host = parts.hostname
        self.port = parts.port or 80
        self.cookies: dict[str, str] = {}
        self.username: str | None = None
        self._connection: http.client.HTTPConnection | None = None

    # ----- requests -------------------------------------------------------------------

    def request(self, method: str, path: str, *, data=None, headers: dict | None = None) -> Response:
        """One request, no redirect followed; `elapsed_ms` covers connect to last body byte."""
        url = urljoin(self.base_url + "/", path)
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        sent = {"User-Agent": USER_AGENT, "Accept": "text/html,application/json", "Accept-Encoding": "identity"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(data or [], doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = self.base_url
            sent["Referer"] = url
        sent.update(headers or {})
        started = time.perf_counter()
        answer, content = self._exchange(method, target, body, sent)
        elapsed = (time.perf_counter() - started) * 1000
        self._keep_cookies(answer.headers.get_all("Set-Cookie") or [])
        return Response(method, url, answer.status, answer.headers, content, elapsed)

    def _exchange(self, method: str, target: str, body, headers: dict) -> tuple[http.client.HTTPResponse, bytes]:
        reused = self._connection is not None and self._connection.sock is not None
        try:
            return self._send(method, target, body, headers)
        except STALE_CONNECTION:
            self.close()
            if not reused:
                raise
            # The server closed the idle connection before reading this request: it never
            # saw it, so sending it again on a fresh connection cannot do it twice.
            return self._send(method, target, body, headers)
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def _send(self, method: str, target: str, body, headers: dict) -> tuple[http.client.HTTPResponse, bytes]:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        self._connection.request(method, target, body=body, headers=headers)
        answer = self._connection.getresponse()
        content = answer.read()
        if answer.will_close:  # "Connection: close" (sync workers): the next request connects anew
            self.close()
        return answer, content

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, path: str, *, follow: bool = False, headers: dict | None = None) -> Response:
        response = self.request("GET", path, headers=headers)
        return self._follow(response) if follow else response

    def post(self, path: str, data, *, follow: bool = False) -> Response:
        response = self.request("POST", path, data=data)
        return self._follow(response) if follow else response

    def _follow(self, response: Response, limit: int = 5) -> Response:
        while response.status in (301, 302, 303, 307, 308) and limit:
            response = self.request("GET", response.location)
            limit -= 1
        return response

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                if morsel.value == "" or morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    # ----- signing in -----------------------------------------------------------------

    def sign_in(self, username: str, password: str) -> Response:
        """Through the real sign-in form (CSRF token from the page), then the agency chooser
        if the user has several memberships (the first one offered). Returns the first page
        after signing in."""
        page = self.get("/sign-in/")
        form = html.find_form(page.page(), has_field="username")
        if page.status != 200 or form is None:
            raise BenchError(f"sign-in page answered {page.status} without a form")
        response = self.post(page.url, form.filled({"username": username, "password": password}), follow=False)
        if response.status != 302:
            raise BenchError(f"signing in as {username} answered {response.status} (wrong password or locked out?)")
        response = self._follow(response)
        if urlsplit(response.url).path.rstrip("/").endswith("/agency"):
            response = self._choose_agency(response)
        if not response.ok:
            raise BenchError(f"after signing in as {username}: {response.status} at {response.url}")
        self.username = username
        return response

    def _choose_agency(self, response: Response) -> Response:
        form = html.find_form(response.page(), has_field="membership")
        if form is None or not form.options.get("membership"):
            raise BenchError(f"{response.url}: no agency to choose")
        first = form.options["membership"][0][0]
        return self.post(response.url, form.filled({"membership": first}), follow=True)

    def csrf_form_data(self, path: str, *, action_contains: str = "") -> tuple[html.Form, Response]:
        """A form of a page (for its CSRF token and fields)."""
        response = self.get(path, follow=True)
        form = html.find_form(response.page(), action_contains=action_contains)
        if form is None:
            raise BenchError(f"{path}: no form with action containing {action_contains!r}")
        return form, response
