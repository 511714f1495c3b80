"""Only what pyproject.toml cannot say: templates/ and migrations/ sit at the top of the checkout
(as the design fixes) and ship inside the wheel as engage/templates and engage/migrations, where
engage.create_app looks when it is not running from a checkout."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["engage", "engage.*"]), "engage.templates",
              "engage.migrations"],
    py_modules=["worker"],
    package_dir={"engage.templates": "templates", "engage.migrations": "migrations"},
    package_data={
        "engage": ["boroughs/data/*.csv", "surveys/data/*.toml", "translations/*.pot",
                   "static/*.css",
                   "static/govuk/*.js"],
        # Domains keep templates in folders of folders (surveys/staff/, surveys/public/...).
        "engage.templates": ["**/*.html", "**/*.txt", "**/*.svg"],
        "engage.migrations": ["alembic.ini", "script.py.mako", "*.py", "versions/*.py"],
    },
)
