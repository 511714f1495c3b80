"""Celery bound to the Flask app: every task runs inside an application context."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask
from kombu import Exchange, Queue


def celery_init_app(app: Flask) -> Celery:
    from engage.jobs import runs

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                if self.name.startswith(runs.PERIODIC):
                    # Beat's jobs say when they ran, so a stopped scheduler is noticed.
                    return runs.recorded(self.name, lambda: self.run(*args, **kwargs))
                return self.run(*args, **kwargs)

    settings = dict(app.config["CELERY"])
    queue_names = settings.pop("task_queues_names")
    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(settings)
    # Declaring every queue makes a worker started without -Q consume all of them. Each gets its
    # own exchange and routing key rather than Celery's shared "default" pair, so on RabbitMQ too
    # a queue is bound to exactly the messages routed to it.
    celery_app.conf.task_queues = [
        Queue(name, Exchange(name, type="direct"), routing_key=name) for name in queue_names
    ]
    celery_app.set_default()
    # Register every task module with this app.
    import engage.auth.tasks  # noqa: F401
    import engage.datasets.tasks  # noqa: F401
    import engage.mailouts.tasks  # noqa: F401
    import engage.meetings.mailings  # noqa: F401
    import engage.meetings.tasks  # noqa: F401
    import engage.news.tasks  # noqa: F401
    import engage.outbox.tasks  # noqa: F401
    import engage.reports.public_files  # noqa: F401
    import engage.reports.tasks  # noqa: F401
    import engage.surveys.invitation_tasks  # noqa: F401
    import engage.surveys.tasks  # noqa: F401
    import engage.telephone.tasks  # noqa: F401

    app.extensions["celery"] = celery_app
    return celery_app
