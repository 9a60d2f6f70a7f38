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
  ca_cert:
    description:
      - CA certificate (PEM) to verify the server's TLS certificate with. Named as in community.mysql.
      - Setting any of O(ca_cert), O(client_cert), O(client_key) connects over TLS, the module's own session and
        every tool it runs (mariadb-dump, mariadb-binlog, mariabackup, mydumper/myloader, the mariadb client),
        which get the TLS settings like the password, from a temporary option file of mode 0600, never on their
        command line.
      - With O(ca_cert) the server's certificate chain is verified, and a certificate not signed by this CA
        fails the connection.
    type: path
    aliases: [ssl_ca]
  client_cert:
    description:
      - Client certificate (PEM) for TLS, for accounts created C(REQUIRE X509) or C(REQUIRE SUBJECT).
      - Give O(client_key) with it.
    type: path
    aliases: [ssl_cert]
  client_key:
    description:
      - Private key (PEM) of O(client_cert).
    type: path
    aliases: [ssl_key]
  check_hostname:
    description:
      - Check that the server's TLS certificate names O(login_host) (a DNS or IP subject alternative name).
      - When unset, the name is checked whenever O(ca_cert) is set (as PyMySQL and community.mysql do); V(false)
        keeps the chain verified but skips the name check.
      - V(true) needs O(ca_cert).
    type: bool
    aliases: [ssl_verify_server_cert]
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
