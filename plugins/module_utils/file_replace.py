# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replace a small text file in one atomic rename: a reader sees the old file or the new one, never half."""
import os

from ansible.module_utils.common.text.converters import to_bytes


def replace_text(module, path, text, validate=None):
    """Write ``text`` next to ``path`` (0600 while written), then rename it over ``path``.

    ``module.atomic_move`` gives the new file the old one's owner, group, mode and SELinux context.
    ``validate(temp_path)`` may check the new file first (``haproxy -c -f``); when it raises, the
    new file is removed and ``path`` is left as it was.
    """
    directory = os.path.dirname(os.path.abspath(path))
    temp = os.path.join(directory, ".%s.drkit-%d" % (os.path.basename(path), os.getpid()))
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(to_bytes(text))
        if validate is not None:
            validate(temp)
    except BaseException:
        os.unlink(temp)
        raise
    module.atomic_move(temp, path, unsafe_writes=False)
