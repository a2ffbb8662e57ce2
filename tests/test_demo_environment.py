"""`make demo` on another port (`PORT=8123`): the links the demo writes (e-mails, pages) carry that port."""

from infra.demo import demo_environment, demo_worker_command


def test_the_demo_links_point_at_the_port_its_server_runs_on():
    env = demo_environment({"PATH": "/usr/bin"}, port=8123)
    assert (env["PLATFORM_PORT"], env["DJANGO_SETTINGS_MODULE"], env["PATH"]) == (
        "8123",
        "config.settings.local",
        "/usr/bin",
    )


def test_an_explicit_platform_port_is_kept():
    """Behind a proxy the public port differs from the server's."""
    assert demo_environment({"PLATFORM_PORT": "443"}, port=8123)["PLATFORM_PORT"] == "443"


def test_the_demo_worker_consumes_every_queue_tasks_are_routed_to():
    """Commission runs go to the long queue and e-mails to the short one: a worker on the default queue alone would
    leave them waiting for ever in `make demo`."""
    from django.conf import settings

    command = demo_worker_command({"CELERY_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE})
    consumed = set(command[command.index("-Q") + 1].split(","))
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()} | {settings.CELERY_TASK_DEFAULT_QUEUE}
    assert consumed == routed == set(settings.CANOPY_QUEUES)
    assert command[command.index("worker") - 1] == "config"
