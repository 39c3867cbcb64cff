import pytest

from config.env import ImproperEnvironment, database_from_url, env_bool, env_choice, env_int, env_list, env_str


def test_booleans_accept_only_clear_words(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("FLAG", "off")
    assert env_bool("FLAG", True) is False
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperEnvironment):
        env_bool("FLAG", False)


def test_integers_fail_loudly(monkeypatch):
    monkeypatch.setenv("LIMIT", "5x")
    with pytest.raises(ImproperEnvironment):
        env_int("LIMIT", 1)
    monkeypatch.delenv("LIMIT")
    assert env_int("LIMIT", 7) == 7


def test_required_strings_and_secret_files(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET", raising=False)
    with pytest.raises(ImproperEnvironment):
        env_str("SECRET")
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("SECRET_FILE", str(secret))
    monkeypatch.setenv("SECRET", "from-the-environment")
    assert env_str("SECRET") == "from-a-file"


def test_lists_and_choices(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.vn, b.vn,,")
    assert env_list("HOSTS", []) == ["a.vn", "b.vn"]
    monkeypatch.setenv("MODE", "staging")
    with pytest.raises(ImproperEnvironment):
        env_choice("MODE", ("dev", "production"), "dev")


def test_database_urls():
    assert database_from_url("postgres://u:p%40ss@db.local:6543/caunoi") == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "caunoi",
        "USER": "u",
        "PASSWORD": "p@ss",
        "HOST": "db.local",
        "PORT": "6543",
    }
    for bad in ("mysql://u@h/db", "postgres://u@h/"):
        with pytest.raises(ImproperEnvironment):
            database_from_url(bad)
