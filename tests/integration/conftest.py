"""The integration tests run against the real lab: three MariaDB servers and the stand-in app.

The session starts by removing any earlier lab (``lab_state=absent``) and
building a fresh one, so every run starts from the same seeded data.  Set
DRKIT_KEEP_LAB=1 to reuse a running lab while iterating on a test.
"""
import os
import socket
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from helpers import LAB_PORTS, LAB_ROOT, recap, run_playbook  # noqa: E402


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def lab():
    """A running lab; returns what the bring-up observed."""
    observed = {}
    if not os.environ.get("DRKIT_KEEP_LAB"):
        run_playbook("lab.yml", "-e", "lab_state=absent")
        observed["after_absent"] = dict(root_exists=os.path.exists(LAB_ROOT),
                                        open_ports=[p for p in LAB_PORTS.values() if port_open(p)])
    up = run_playbook("lab.yml")
    observed["first_run"] = recap(up.stdout)
    return observed


@pytest.fixture
def rebuilt_after(lab):
    """For a test that leaves history no cleanup can undo: rebuild the lab after it."""
    yield
    run_playbook("lab.yml", "-e", "lab_state=reset")


@pytest.fixture
def webhook():
    """An incoming webhook on 127.0.0.1 that records what it is sent (helpers.Webhook)."""
    from helpers import Webhook

    hook = Webhook()
    yield hook
    hook.close()
