"""The app as a whole: safe settings, security headers, the public pages."""

from __future__ import annotations

import pytest

from engage.config import ConfigError, build_config
from tests.helpers import csrf_token, page_text

# Everything production asks for, each test then taking one thing away.
PRODUCTION = {
    "ENGAGE_ENV": "production", "ENGAGE_SECRET_KEY": "x" * 48,
    "ENGAGE_BASE_URL": "https://engage.police.example.org",
    "ENGAGE_CONTACT_EMAIL": "engage@police.example.org",
    "ENGAGE_RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/1",
    "ENGAGE_DATABASE_URL": "postgresql+psycopg://engage@db/engage",
    "ENGAGE_BROKER_URL": "redis://127.0.0.1:6379/0",
}


@pytest.fixture
def production(monkeypatch):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_a_production_environment_with_everything_starts(production):
    assert build_config()["ENGAGE_ENV"] == "production"


def test_production_refuses_to_start_without_a_real_secret_key(production):
    monkeypatch = production
    monkeypatch.delenv("ENGAGE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="ENGAGE_SECRET_KEY"):
        build_config()
    monkeypatch.setenv("ENGAGE_SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="ENGAGE_SECRET_KEY"):
        build_config()
    monkeypatch.setenv("ENGAGE_SECRET_KEY", "x" * 48)
    assert build_config()["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_per_process_rate_limit_counters(production):
    production.setenv("ENGAGE_RATELIMIT_STORAGE_URL", "memory://")
    with pytest.raises(ConfigError, match="every web process shares"):
        build_config()


def test_production_refuses_to_start_without_a_contact_for_the_public(production):
    from engage.config import DEV_CONTACT_EMAIL

    monkeypatch = production
    monkeypatch.delenv("ENGAGE_CONTACT_EMAIL", raising=False)
    monkeypatch.delenv("ENGAGE_CONTACT_PHONE", raising=False)
    with pytest.raises(ConfigError, match="ENGAGE_CONTACT_EMAIL"):
        build_config()
    monkeypatch.setenv("ENGAGE_CONTACT_EMAIL", DEV_CONTACT_EMAIL)  # the made-up one
    with pytest.raises(ConfigError, match="ENGAGE_CONTACT_EMAIL"):
        build_config()
    monkeypatch.setenv("ENGAGE_CONTACT_EMAIL", "engage@police.example.org")
    config = build_config()
    # The telephone number is optional: no made-up one in production.
    assert config["ENGAGE_CONTACT_PHONE"] is None
    monkeypatch.delenv("ENGAGE_CONTACT_EMAIL")
    assert build_config({"ENGAGE_ENV": "development"})["ENGAGE_CONTACT_EMAIL"] == \
        DEV_CONTACT_EMAIL


def test_production_refuses_an_address_for_links_that_is_not_https(production):
    monkeypatch = production
    monkeypatch.delenv("ENGAGE_BASE_URL", raising=False)  # the development default, http://
    with pytest.raises(ConfigError, match="ENGAGE_BASE_URL must be the service's https://"):
        build_config()
    monkeypatch.setenv("ENGAGE_BASE_URL", "http://engage.police.example.org")
    with pytest.raises(ConfigError, match="ENGAGE_BASE_URL"):
        build_config()
    monkeypatch.setenv("ENGAGE_BASE_URL", "https://engage.police.example.org/")
    assert build_config()["ENGAGE_BASE_URL"] == "https://engage.police.example.org"


def test_production_refuses_a_database_or_broker_on_this_machine_alone(production, tmp_path):
    """Every process on every machine shares PostgreSQL and Redis (or RabbitMQ): a machine left
    on the SQLite defaults would keep a world of its own, or queue tasks no worker reads."""
    monkeypatch = production
    monkeypatch.setenv("ENGAGE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("ENGAGE_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError, match="ENGAGE_DATABASE_URL must point at the PostgreSQL"):
        build_config()
    monkeypatch.setenv("ENGAGE_DATABASE_URL", f"sqlite:///{tmp_path}/engage.db")
    with pytest.raises(ConfigError, match="ENGAGE_DATABASE_URL"):
        build_config()
    monkeypatch.setenv("ENGAGE_DATABASE_URL", "postgresql+psycopg://engage@db/engage")
    monkeypatch.delenv("ENGAGE_BROKER_URL")
    with pytest.raises(ConfigError, match="ENGAGE_BROKER_URL must point at the Redis or RabbitMQ"):
        build_config()
    for shared in ("redis://127.0.0.1:6379/0", "amqp://engage:secret@mq:5672//"):
        monkeypatch.setenv("ENGAGE_BROKER_URL", shared)
        assert build_config()["CELERY"]["broker_url"] == shared
    # Development and test keep their SQLite defaults.
    monkeypatch.delenv("ENGAGE_DATABASE_URL")
    monkeypatch.delenv("ENGAGE_BROKER_URL")
    assert build_config({"ENGAGE_ENV": "development"})["SQLALCHEMY_DATABASE_URI"].startswith(
        "sqlite")


def test_production_sends_mail_from_the_service_s_own_domain(production):
    """Not from the made-up example.org, which mail servers refuse or file as spam."""
    monkeypatch = production
    monkeypatch.setenv("ENGAGE_BASE_URL", "https://engage.police.example.org:8443/")
    monkeypatch.delenv("ENGAGE_MAIL_FROM", raising=False)
    assert build_config()["ENGAGE_MAIL_FROM"] == "engage <no-reply@engage.police.example.org>"
    monkeypatch.setenv("ENGAGE_MAIL_FROM", "Engage London <engage@met.example.org>")
    assert build_config()["ENGAGE_MAIL_FROM"] == "Engage London <engage@met.example.org>"
    # Outside production, the made-up address: nobody real is written to from 127.0.0.1.
    monkeypatch.delenv("ENGAGE_MAIL_FROM")
    assert build_config({"ENGAGE_ENV": "development"})["ENGAGE_MAIL_FROM"] == \
        "engage <no-reply@engage.example.org>"


@pytest.mark.parametrize("contact", ["security@police", "http://police.example.org/report",
                                     "call 020 7946 0000"])
def test_a_security_contact_that_is_not_an_address_is_refused(monkeypatch, contact):
    monkeypatch.setenv("ENGAGE_ENV", "development")
    monkeypatch.setenv("ENGAGE_SECURITY_CONTACT", contact)
    with pytest.raises(ConfigError, match="ENGAGE_SECURITY_CONTACT must be an email address"):
        build_config()


def test_unknown_environment_is_refused(monkeypatch):
    monkeypatch.setenv("ENGAGE_ENV", "staging")
    with pytest.raises(ConfigError, match="ENGAGE_ENV"):
        build_config()


def test_pages_carry_security_headers(client):
    response = client.get("/")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    # The one inline script carries this response's nonce.
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in response.get_data(as_text=True)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cache-Control"] == "no-store"


def test_session_cookie_is_http_only_and_same_site(client, app):
    from tests.factories import PASSWORD, create_user

    with app.app_context():
        create_user(email="ada@example.org")
    response = client.submit("/sign-in", {"email": "ada@example.org", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_home_page_lists_the_32_boroughs_and_the_ways_to_take_part(client):
    response = client.get("/")
    assert response.status_code == 200
    text = page_text(response)
    assert "Join your CPEG" in text and "Have your say" in text
    assert "call 999" in text and "101" in text
    html = response.get_data(as_text=True)
    assert html.count('href="/boroughs/') == 32
    assert "Kensington and Chelsea" in text and "City of London</a>" not in html
    # engage's own header, never GOV.UK's crown.
    assert "govuk-logo" not in html and "GOV.UK" not in text


def test_home_page_names_the_open_consultations(client, app):
    from datetime import timedelta

    from engage.clock import utcnow
    from tests.surveys.support import make_consultation

    assert "There are no consultations open at the moment" in page_text(client.get("/"))
    make_consultation(app, title="Have your say 2027/28")
    make_consultation(app, title="Not open yet", opens_at=utcnow() + timedelta(days=3),
                      closes_at=utcnow() + timedelta(days=30))
    text = page_text(client.get("/"))
    assert "Have your say 2027/28" in text and "open until" in text
    assert "Not open yet" not in text and "no consultations open" not in text


def test_borough_page_and_unknown_borough(client):
    assert "Kensington and Chelsea" in page_text(client.get("/boroughs/kensington-and-chelsea"))
    missing = client.get("/boroughs/gotham")
    assert missing.status_code == 404
    assert "Page not found" in page_text(missing)


def test_health_check(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_templates_see_globals_through_imports_and_stay_compiled(app):
    """engage's template environment (engage.templating): macros imported with context see the
    app's globals, one added after the templates were compiled included, and compiled
    templates are kept, not evicted."""
    from jinja2 import DictLoader

    from engage.templating import TemplateGlobals, compile_templates

    environment = app.jinja_env
    count = compile_templates(app)
    # A plain dict: nothing compiled is ever evicted (Jinja's default LRU cache is no dict).
    assert type(environment.cache) is dict and len(environment.cache) >= count > 200
    template = environment.get_template("base.html")
    assert isinstance(template.globals, TemplateGlobals)
    assert set(template.globals.keys()) == set(environment.globals) | set(template.globals.maps[0])

    app.jinja_loader.loaders.insert(0, DictLoader({
        "late_macro.html": "{% macro hello() %}{{ late_global }}, {{ service_name }}{% endmacro %}",
        "late_page.html": "{% from 'late_macro.html' import hello with context %}{{ hello() }}",
    }))
    environment.globals["late_global"] = "Hello"
    with app.test_request_context():
        assert environment.get_template("late_page.html").render(
            service_name="engage") == "Hello, engage"


def test_a_value_the_database_cannot_store_is_a_400_that_says_so(fresh_app):
    """PostgreSQL stores no NUL in text and no integer past its range: such input is the
    request's fault, answered 400 with a reason (JSON under /api/), never a 500."""
    from sqlalchemy.exc import DataError

    from tests.helpers import Browser

    app, client = fresh_app, Browser(fresh_app)

    def refuse():
        raise DataError("INSERT ...", {}, Exception("text fields cannot contain NUL (0x00)"))

    app.add_url_rule("/test-unstorable", "test_unstorable", refuse)
    app.add_url_rule("/api/test-unstorable", "test_api_unstorable", refuse)
    page = client.get("/test-unstorable")
    assert page.status_code == 400
    assert "It had something that cannot be stored" in page_text(page)
    api = client.get("/api/test-unstorable")
    assert api.status_code == 400
    assert api.get_json() == {"error": "The request has a value that cannot be stored."}
    # For real: a NUL in an address, on whichever database the suite runs.
    assert client.get("/boroughs/camden%00").status_code in (400, 404)


def test_nul_characters_typed_into_a_form_are_dropped(app, client):
    from sqlalchemy import select

    from engage.auth.models import User
    from engage.extensions import db
    from tests.auth.test_registration import NEW

    response = client.submit("/register", {**NEW, "name": "Grace\x00 Hopper",
                                           "email": "grace\x00@example.org"})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User))
        assert (user.name, user.email) == ("Grace Hopper", "grace@example.org")


def test_a_refused_form_says_why_in_the_log(app, caplog):
    """Behind a proxy that does not pass the public host name on, every form sent over HTTPS
    is refused as sent from another website: the log says so, without the referrer's path."""
    import logging

    caplog.set_level(logging.WARNING, logger="engage.errors")
    http = app.test_client()
    page = http.get("/sign-in", base_url="https://127.0.0.1:8000")
    token = csrf_token(page.get_data(as_text=True))
    response = http.post("/sign-in", base_url="https://127.0.0.1:8000",
                         data={"csrf_token": token, "email": "ada@example.org",
                               "password": "x" * 12},
                         headers={"Referer": "https://engage.example.org/sign-in?next=/secret"})
    assert response.status_code == 400
    assert "The form had expired" in page_text(response)
    [record] = [r for r in caplog.records if r.name == "engage.errors"]
    message = record.getMessage()
    assert "does not match the host" in message
    assert "host 127.0.0.1:8000" in message and "referrer https://engage.example.org" in message
    assert "/secret" not in message
