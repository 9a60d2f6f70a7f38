"""The collection builds into a tarball that installs offline and documents itself."""
import os
import subprocess
import tarfile

from helpers import ROOT, ansible_env


def test_build_install_offline_and_ansible_doc(tmp_path):
    build = subprocess.run(["ansible-galaxy", "collection", "build", "--output-path", str(tmp_path), ROOT],
                           check=False, capture_output=True, text=True, env=ansible_env(), timeout=300)
    assert build.returncode == 0, build.stdout + build.stderr
    tarball = tmp_path / "drkit-mysql-0.1.0.tar.gz"
    assert tarball.exists()
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert "plugins/modules/topology_facts.py" in names and "meta/runtime.yml" in names
    assert "roles/lab/tasks/main.yml" in names and "playbooks/lab.yml" in names and "README.md" in names
    leaked = [n for n in names
              if n.split("/")[0] in (".venv", ".collections", ".lab", ".git", "bench", ".ci", "inventories")]
    assert leaked == []

    fresh = tmp_path / "collections"
    env = ansible_env(ANSIBLE_COLLECTIONS_PATH=str(fresh), PYTHONPATH="")
    install = subprocess.run(["ansible-galaxy", "collection", "install", "--offline", "-p", str(fresh), str(tarball)],
                             check=False, capture_output=True, text=True, env=env, timeout=300, cwd=str(tmp_path))
    assert install.returncode == 0, install.stdout + install.stderr
    assert (fresh / "ansible_collections" / "drkit" / "mysql" / "MANIFEST.json").exists()

    doc = subprocess.run(["ansible-doc", "drkit.mysql.topology_facts"], check=False, capture_output=True, text=True,
                         env=env, timeout=120, cwd=str(tmp_path))
    assert doc.returncode == 0, doc.stderr
    assert "login_password" in doc.stdout and "drkit_mysql_topology" in doc.stdout
    # Documented from the installed copy, not from this checkout.
    assert os.path.join(str(fresh), "ansible_collections", "drkit", "mysql", "plugins", "modules") in doc.stdout
