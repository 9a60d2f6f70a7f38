"""Connection options shared by every drkit.mysql module."""


class ModuleDocFragment(object):
    DOCUMENTATION = r"""
options:
  login_host:
    description:
      - Host name or address of the MySQL/MariaDB server.
      - Ignored when O(login_unix_socket) is set.
      - When unset, the C(host) of the C([client]) section of O(config_file) is used, then C(localhost).
    type: str
  login_port:
    description:
      - TCP port of the server. When unset, the option file's C(port), then 3306.
    type: int
  login_user:
    description:
      - Account to connect as. When unset, the option file's C(user).
    type: str
  login_password:
    description:
      - Password of O(login_user). Never logged. Prefer Ansible Vault or O(config_file).
    type: str
  login_unix_socket:
    description:
      - Path of the server's Unix socket; used instead of TCP when set.
    type: path
  config_file:
    description:
      - A MySQL option file whose C([client]) section supplies values not given as options.
      - A missing file is ignored.
    type: path
    default: ~/.my.cnf
  ssl_ca:
    description:
      - CA certificate to verify the server's TLS certificate with. Setting any C(ssl_*) option enables TLS.
    type: path
  ssl_cert:
    description:
      - Client certificate for TLS.
    type: path
  ssl_key:
    description:
      - Private key of O(ssl_cert).
    type: path
  ssl_verify_server_cert:
    description:
      - Check that the server certificate names O(login_host). Needs O(ssl_ca).
    type: bool
    default: false
  connect_timeout:
    description:
      - Seconds to wait for the connection before giving up.
    type: int
    default: 10
requirements:
  - PyMySQL >= 1.0
notes:
  - Server variables are always read in statements of their own (MariaDB 10.11 misreads
    C(@@read_only) when it shares a C(SELECT) with an InnoDB table).
"""
