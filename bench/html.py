"""What the harness reads from a page: its links and its forms (stdlib `html.parser`)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Link:
    href: str
    text: str = ""
    rel: str = ""


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)  # what a browser would send as is
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # select/radio: (value, label)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons

    def value(self, name: str) -> str | None:
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def filled(self, values: dict[str, str | list[str]] | None = None) -> list[tuple[str, str]]:
        """The form's own fields with `values` replacing (or adding) some of them."""
        values = values or {}
        data = [(key, value) for key, value in self.fields if key not in values]
        for key, value in values.items():
            for one in value if isinstance(value, list) else [value]:
                data.append((key, one))
        return data


class PageParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.forms: list[Form] = []
        self._link: Link | None = None
        self._form: Form | None = None
        self._select: tuple[str, list] | None = None  # name, [(value, label, selected)]
        self._option: list | None = None
        self._textarea: list | None = None  # [name, text]

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in attributes:
            self._link = Link(attributes["href"], rel=attributes.get("rel", ""))
        elif tag == "form":
            self._form = Form(attributes.get("action", ""), attributes.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form is not None:
            self._form_tag(tag, attributes)

    def _form_tag(self, tag, attributes):
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text").lower()
            value = attributes.get("value", "")
            if kind in {"checkbox", "radio"}:
                self._form.options.setdefault(name, []).append((value or "on", ""))
                if "checked" in attributes:
                    self._form.fields.append((name, value or "on"))
            elif kind in {"submit", "button", "image"}:
                self._form.buttons.append((name, value))
            elif kind != "file":
                self._form.fields.append((name, value))
        elif tag == "button" and name:
            self._form.buttons.append((name, attributes.get("value", "")))
        elif tag == "select" and name:
            self._select = (name, [])
        elif tag == "option" and self._select is not None:
            self._option = [attributes.get("value"), "", "selected" in attributes]
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._link is not None:
            self._link.text += data
        if self._option is not None:
            self._option[1] += data
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self._link.text = " ".join(self._link.text.split())
            self.links.append(self._link)
            self._link = None
        elif tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            name, options = self._select
            self._form.options[name] = [(value, label) for value, label, _selected in options]
            chosen = [value for value, _label, selected in options if selected] or [
                value for value, _label, _selected in options[:1]
            ]
            self._form.fields.extend((name, value) for value in chosen[:1])
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append((self._textarea[0], self._textarea[1].strip("\n")))
            self._textarea = None
        elif tag == "form":
            self._form = None

    def _close_option(self):
        if self._option is not None and self._select is not None:
            value, label, selected = self._option
            label = " ".join(label.split())
            self._select[1].append((label if value is None else value, label, selected))
        self._option = None


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


def find_form(page: PageParser, *, action_contains: str = "", has_field: str = "") -> Form | None:
    for form in page.forms:
        names = {name for name, _value in form.fields} | set(form.options)
        if action_contains in form.action and (not has_field or has_field in names):
            return form
    return None
