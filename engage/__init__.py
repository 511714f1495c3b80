"""engage: community engagement and consultation for policing in London."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from engage.config import PROJECT_ROOT, build_config
from engage.templating import EngageFlask

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """templates/ and migrations/ sit at the top of a checkout and inside the package of a wheel."""
    in_checkout = PROJECT_ROOT / name
    return in_checkout if in_checkout.is_dir() else PACKAGE_DIR / name


def create_app(config: dict | None = None) -> Flask:
    settings = build_config(config)
    app = EngageFlask(
        __name__,
        template_folder=str(_resource_dir("templates")),
        instance_path=settings["ENGAGE_INSTANCE_PATH"],
    )
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.getLogger("engage").setLevel(logging.INFO)

    if app.config["ENGAGE_TRUSTED_PROXIES"]:
        n = app.config["ENGAGE_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(app.template_folder),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    _init_extensions(app)
    _register_blueprints(app)

    from engage import cli, components, security, templating
    from engage.celery import celery_init_app
    from engage.translations import phrases
    from engage.translations import public as translations_public

    components.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    phrases.init_app(app)
    translations_public.init_app(app)
    cli.init_app(app)
    celery_init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from engage.auth import sessions, two_step
    from engage.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(_resource_dir("migrations")),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    sessions.init_app(app)
    two_step.init_app(app)  # after sessions: it asks who is signed in
    WTFormsHelpers(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from engage.sqlite import enable_sqlite_pragmas

        with app.app_context():
            enable_sqlite_pragmas(db.engine)


def _register_blueprints(app: Flask) -> None:
    from engage.admin.views import admin
    from engage.api.views import api
    from engage.auth.views import auth
    from engage.datasets.views import response_files
    from engage.errors import errors
    from engage.groups.import_views import member_import
    from engage.groups.representation_views import representation_pages
    from engage.groups.staff_views import groups_staff
    from engage.groups.views import groups
    from engage.jobs.views import jobs
    from engage.mailouts.keying_views import mailouts_keying
    from engage.mailouts.views import mailouts
    from engage.meetings.minutes_views import meeting_minutes
    from engage.meetings.reply_views import meeting_replies, my_meetings
    from engage.meetings.staff_views import meetings_staff
    from engage.meetings.views import meetings
    from engage.news.results_views import results_emails
    from engage.news.views import news
    from engage.privacy.views import privacy
    from engage.public.views import public
    from engage.reports.comments_views import report_comments
    from engage.reports.download_views import report_downloads
    from engage.reports.public_views import public_reports
    from engage.reports.targets_views import report_targets
    from engage.reports.views import reports
    from engage.staff.views import staff
    from engage.surveys.builder_views import surveys_builder
    from engage.surveys.invitation_views import surveys_invitations
    from engage.surveys.invited_views import surveys_invited
    from engage.surveys.public_views import surveys_public
    from engage.surveys.reply_views import surveys_replies
    from engage.surveys.staff_views import surveys_staff
    from engage.telephone.interview_views import telephone
    from engage.translations.views import translations

    for blueprint in (public, auth, groups, staff, groups_staff, representation_pages,
                      member_import, meetings, meetings_staff, meeting_replies,
                      meeting_minutes, my_meetings, news, results_emails, privacy, reports,
                      admin, jobs, errors):
        app.register_blueprint(blueprint)
    app.register_blueprint(api)
    app.register_blueprint(report_targets)
    app.register_blueprint(public_reports)
    app.register_blueprint(report_comments)
    app.register_blueprint(report_downloads)
    app.register_blueprint(response_files)
    app.register_blueprint(mailouts)
    app.register_blueprint(mailouts_keying)
    app.register_blueprint(surveys_staff)
    app.register_blueprint(surveys_builder)
    app.register_blueprint(surveys_invitations)
    app.register_blueprint(surveys_invited)
    app.register_blueprint(surveys_public)
    app.register_blueprint(surveys_replies)
    app.register_blueprint(telephone)
    app.register_blueprint(translations)
    if app.config["ENGAGE_ENV"] == "development":
        from engage.devmail.views import devmail

        app.register_blueprint(devmail)

    # Import every model so Alembic and create_all see the whole schema.
    from engage import models  # noqa: F401
