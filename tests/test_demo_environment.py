"""`make demo` on another port (`PORT=8123`): the links the demo writes (e-mails, pages) carry that port."""

from infra.demo import demo_environment


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
