"""Stand-in for ansible-test's get-pip.py bootstrap, which it downloads from ci-files.testing.ansible.com
(unreachable here): bootstrap pip with ensurepip, then pip install the rest from PyPI."""
import ensurepip
import runpy
import sys

ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.argv = ["pip", "install", "--cert", "/etc/ssl/certs/ca-certificates.crt"] + args
runpy.run_module("pip", run_name="__main__", alter_sys=True)
