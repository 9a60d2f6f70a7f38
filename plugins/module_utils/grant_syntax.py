# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``SHOW GRANTS`` and ``SHOW CREATE USER`` say, as data, with every secret taken out.

A grants snapshot must be compared and restored privilege by privilege, so each ``SHOW GRANTS`` line is
parsed into (object, privileges) instead of being kept as text. Both dialects are read:

* MySQL 8.0/8.4: dynamic privileges (``BACKUP_ADMIN,XA_RECOVER_ADMIN`` without spaces), ``GRANT ALL`` shown
  expanded into two lines, roles (```r`@`%``), ``REVOKE ... ON `mysql`.*`` (partial revokes), ``AS 0x...``
  hashes in ``SHOW CREATE USER``;
* MariaDB 10.6+: ``IDENTIFIED BY PASSWORD '*...'`` / ``IDENTIFIED VIA ed25519 USING '...'`` in the first
  ``GRANT`` line, roles without a host (```r``), ``SET DEFAULT ROLE ... FOR``, privileges such as
  ``READ_ONLY ADMIN``.

Objects are re-quoted with the collection's identifier helper, so an object key is safe SQL text for
``GRANT ... ON <key>``; a database name is kept exactly as the server printed it, ``db\\_name`` (the literal
underscore) and ``db_name``/``db%`` (patterns) stay different grants.

Secrets (the quoted string after ``PASSWORD``, ``USING``, ``AS``, ``BY``) are replaced by ``'<redacted>'``;
``secrets()`` hands them to the caller only to fingerprint them.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import re

from ansible_collections.drkit.mysql.plugins.module_utils.dump_format import quote_identifier

__metaclass__ = type

REDACTED = "'<redacted>'"
GRANT_OPTION = 'GRANT OPTION'
# Keywords after which a quoted string or hex literal is a password or an authentication string.
_SECRET_AFTER = frozenset(['PASSWORD', 'USING', 'AS', 'BY'])
_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<bq>`(?:[^`]|``)*`)
  | (?P<sq>'(?:[^'\\]|\\.|'')*')
  | (?P<dq>"(?:[^"\\]|\\.|"")*")
  | (?P<hex>0x[0-9A-Fa-f]*|[Xx]'[0-9A-Fa-f]*')
  | (?P<word>[A-Za-z0-9_$.*%\-]+)
  | (?P<punct>[,()@;=])
""", re.VERBOSE | re.DOTALL)
# What a privilege name may be: words of capitals and underscores (checked before any name reaches SQL).
PRIVILEGE_RE = re.compile(r'^[A-Z][A-Z0-9_]*(?: [A-Z][A-Z0-9_]*)*$')
_ROUTINE_KINDS = ('PROCEDURE', 'FUNCTION', 'PACKAGE BODY', 'PACKAGE')


class GrantSyntaxError(ValueError):
    """A line that is not what SHOW GRANTS prints."""


class Token(object):
    __slots__ = ('kind', 'text')

    def __init__(self, kind, text):
        self.kind = kind
        self.text = text

    @property
    def upper(self):
        return self.text.upper() if self.kind == 'word' else None

    def __repr__(self):
        return 'Token(%s, %r)' % (self.kind, self.text)


def tokenize(text, keep_space=False):
    tokens = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if not match:
            raise GrantSyntaxError('unexpected character %r in %r' % (text[position], _short(text)))
        position = match.end()
        if match.lastgroup != 'ws' or keep_space:
            tokens.append(Token(match.lastgroup, match.group()))
    return tokens


def _short(text):
    return text if len(text) < 120 else text[:117] + '...'


def unquote(token):
    """The name inside `...`, '...' or "..." (or a bare word)."""
    text = token.text
    if token.kind == 'bq':
        return text[1:-1].replace('``', '`')
    if token.kind in ('sq', 'dq'):
        quote = text[0]
        body = text[1:-1].replace(quote * 2, quote)
        return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t', '0': '\0'}.get(m.group(1), m.group(1)), body)
    return text


def account_sql(user, host):
    """```user`@`host``` (a MariaDB role, host None: ```role``)."""
    if host is None:
        return quote_identifier(user)
    return '%s@%s' % (quote_identifier(user), quote_identifier(host))


def account_key(user, host):
    """How results and options name an account: ``user@host``; a MariaDB role (host None) is just ``role``."""
    if host is None:
        return user
    return '%s@%s' % (user, host)


def redact(text):
    """``text`` with every password hash and authentication string replaced by ``'<redacted>'``."""
    out, _secrets = _redact(text)
    return out


def secrets(text):
    """The secret strings of ``text`` in order (only for fingerprinting; never show them)."""
    return _redact(text)[1]


def _redact(text):
    if text is None:
        return None, []
    tokens = tokenize(text, keep_space=True)
    found = []
    previous = None
    pieces = []
    for token in tokens:
        if token.kind in ('sq', 'dq', 'hex') and previous is not None and previous.upper in _SECRET_AFTER:
            found.append(token.text)
            pieces.append(REDACTED)
        else:
            pieces.append(token.text)
        if token.kind != 'ws':
            previous = token
    return ''.join(pieces), found


class _Reader(object):
    """A cursor over the tokens of one statement."""

    def __init__(self, text):
        self.text = text
        self.tokens = tokenize(text.strip().rstrip(';'))
        self.pos = 0

    def peek(self, offset=0):
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self):
        token = self.peek()
        if token is None:
            raise GrantSyntaxError('unexpected end of %r' % _short(redact(self.text)))
        self.pos += 1
        return token

    def at_word(self, *words):
        for offset, word in enumerate(words):
            token = self.peek(offset)
            if token is None or token.upper != word:
                return False
        return True

    def expect_word(self, *words):
        if not self.at_word(*words):
            raise GrantSyntaxError('expected %s in %r' % (' '.join(words), _short(redact(self.text))))
        self.pos += len(words)

    def at_end(self):
        return self.pos >= len(self.tokens)

    def rest_upper(self):
        return [token.upper or token.text for token in self.tokens[self.pos:]]


def read_account(reader):
    """``'u'@'h'``, `u`@`h`, ``u@h``, a role ```r`` or ``PUBLIC``: (user, host or None)."""
    token = reader.next()
    if token.kind == 'word' and '@' not in token.text:
        user = token.text
    elif token.kind in ('bq', 'sq', 'dq'):
        user = unquote(token)
    else:
        raise GrantSyntaxError('expected an account in %r' % _short(redact(reader.text)))
    following = reader.peek()
    if following is not None and following.kind == 'punct' and following.text == '@':
        reader.next()
        host_token = reader.next()
        return user, unquote(host_token)
    return user, None


def _read_privilege_list(reader):
    """``SELECT (`a`, `b`), INSERT, BACKUP_ADMIN`` up to ``ON``: [(name, [columns] or None)]."""
    items = []
    while True:
        words = []
        while True:
            token = reader.peek()
            if token is None:
                raise GrantSyntaxError('no ON in %r' % _short(redact(reader.text)))
            if token.kind != 'word' or token.upper == 'ON' or token.kind == 'punct':
                break
            words.append(reader.next().upper)
        if not words:
            raise GrantSyntaxError('expected a privilege in %r' % _short(redact(reader.text)))
        columns = None
        token = reader.peek()
        if token is not None and token.kind == 'punct' and token.text == '(':
            reader.next()
            columns = []
            while True:
                column = reader.next()
                if column.kind == 'punct' and column.text == ')':
                    break
                if column.kind == 'punct' and column.text == ',':
                    continue
                columns.append(unquote(column))
        items.append((' '.join(words), columns))
        token = reader.peek()
        if token is not None and token.kind == 'punct' and token.text == ',':
            reader.next()
            continue
        return items


def _read_object(reader):
    """The object after ``ON``, as safe SQL text: ``*.*``, ```db`.*``, ```db`.`t```, ``PROCEDURE `db`.`p```."""
    prefix = ''
    for kind in _ROUTINE_KINDS:
        words = kind.split()
        following = reader.peek(len(words))
        if reader.at_word(*words) and following is not None and following.upper != 'TO':
            reader.pos += len(words)
            prefix = kind + ' '
            break
    if not prefix and reader.at_word('TABLE'):
        following = reader.peek(1)
        if following is not None and following.upper not in ('TO', 'FROM'):
            reader.next()
    parts = ['']
    while True:
        token = reader.peek()
        if token is None or token.upper in ('TO', 'FROM'):
            break
        reader.next()
        if token.kind in ('bq', 'sq', 'dq'):
            parts[-1] += unquote(token)
        elif token.kind == 'word':
            # `db`.* tokenizes as `db` and .*; older servers print bare names: db.t, *.*
            for index, piece in enumerate(token.text.split('.')):
                if index:
                    parts.append('')
                parts[-1] += piece
        else:
            raise GrantSyntaxError('cannot read the object of %r' % _short(redact(reader.text)))
    if len(parts) == 1 and parts[0]:
        return prefix + ('*' if parts[0] == '*' else quote_identifier(parts[0]))
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise GrantSyntaxError('cannot read the object of %r' % _short(redact(reader.text)))
    db, table = parts
    db_sql = '*' if db == '*' else quote_identifier(db)
    table_sql = '*' if table == '*' else quote_identifier(table)
    return prefix + '%s.%s' % (db_sql, table_sql)


def parse_grant_line(line):
    """One line of SHOW GRANTS as a dict.

    ``kind``: ``privileges`` (``object``, ``privileges`` [(name, columns)], ``grant_option``), ``proxy``
    (``object`` = the proxied account, ``grant_option``), ``roles`` (``roles`` [SQL names],
    ``admin_option``), ``revoke`` (a MySQL partial revoke: ``object``, ``privileges``) or ``default_role``
    (MariaDB ``SET DEFAULT ROLE``: ``roles``). Every kind has ``grantee`` (user, host or None).
    """
    reader = _Reader(line)
    if reader.at_word('SET', 'DEFAULT', 'ROLE'):
        reader.pos += 3
        role = reader.next()
        roles = [] if role.upper == 'NONE' else [account_sql(unquote(role), None)]
        reader.expect_word('FOR')
        return dict(kind='default_role', roles=roles, grantee=read_account(reader))
    if reader.at_word('REVOKE'):
        reader.next()
        privileges = _read_privilege_list(reader)
        reader.expect_word('ON')
        target = _read_object(reader)
        reader.expect_word('FROM')
        return dict(kind='revoke', object=target, privileges=privileges, grantee=read_account(reader))
    reader.expect_word('GRANT')
    first = reader.peek()
    if first is not None and first.kind in ('bq', 'sq', 'dq'):
        roles = []
        while True:
            user, host = read_account(reader)
            roles.append(account_sql(user, host))
            token = reader.peek()
            if token is not None and token.kind == 'punct' and token.text == ',':
                reader.next()
                continue
            break
        reader.expect_word('TO')
        grantee = read_account(reader)
        return dict(kind='roles', roles=roles, grantee=grantee, admin_option='ADMIN' in _with_options(reader))
    if reader.at_word('PROXY', 'ON'):
        reader.pos += 2
        user, host = read_account(reader)
        reader.expect_word('TO')
        grantee = read_account(reader)
        return dict(kind='proxy', object=account_sql(user, host if host is not None else '%'), grantee=grantee,
                    grant_option=GRANT_OPTION in _with_options(reader))
    privileges = _read_privilege_list(reader)
    reader.expect_word('ON')
    target = _read_object(reader)
    reader.expect_word('TO')
    grantee = read_account(reader)
    return dict(kind='privileges', object=target, privileges=privileges, grantee=grantee,
                grant_option=GRANT_OPTION in _with_options(reader))


def _with_options(reader):
    """``GRANT OPTION`` / ``ADMIN`` when the rest of the line has WITH GRANT OPTION / WITH ADMIN OPTION."""
    words = reader.rest_upper()
    if ';' in words:
        raise GrantSyntaxError('more than one statement in %r' % _short(redact(reader.text)))
    found = set()
    for index, word in enumerate(words):
        if word == 'GRANT' and index + 1 < len(words) and words[index + 1] == 'OPTION':
            found.add(GRANT_OPTION)
        if word == 'ADMIN' and index + 1 < len(words) and words[index + 1] == 'OPTION':
            found.add('ADMIN')
    return found


def privilege_items(privileges):
    """[(name, columns)] as the set members a snapshot keeps: ``SELECT``, ``SELECT (`id`)`` per column."""
    items = set()
    for name, columns in privileges:
        if not PRIVILEGE_RE.match(name):
            raise GrantSyntaxError('%r is not a privilege name' % name)
        if name == 'ALL':
            name = 'ALL PRIVILEGES'
        if name == 'USAGE':
            continue
        if columns:
            for column in columns:
                items.add('%s (%s)' % (name, quote_identifier(column)))
        else:
            items.add(name)
    return items


def parse_show_grants(lines):
    """Every line of SHOW GRANTS FOR one account, folded into one privilege picture.

    Returns ``privileges`` {object: sorted [items]} (``GRANT OPTION`` is an item of its object), ``revokes``
    {object: sorted [items]} (MySQL partial revokes), ``roles`` {role: admin_option}, ``proxies`` {account:
    grant_option} and ``default_roles`` (MariaDB's ``SET DEFAULT ROLE``).
    """
    privileges = {}
    revokes = {}
    roles = {}
    proxies = {}
    default_roles = None
    for line in lines:
        parsed = parse_grant_line(line)
        kind = parsed['kind']
        if kind == 'privileges':
            items = privileges.setdefault(parsed['object'], set())
            items.update(privilege_items(parsed['privileges']))
            if parsed['grant_option']:
                items.add(GRANT_OPTION)
        elif kind == 'revoke':
            revokes.setdefault(parsed['object'], set()).update(privilege_items(parsed['privileges']))
        elif kind == 'roles':
            for role in parsed['roles']:
                roles[role] = roles.get(role, False) or parsed['admin_option']
        elif kind == 'proxy':
            proxies[parsed['object']] = proxies.get(parsed['object'], False) or parsed['grant_option']
        elif kind == 'default_role':
            default_roles = parsed['roles']
    return dict(
        privileges=dict((key, sorted(value)) for key, value in privileges.items() if value),
        revokes=dict((key, sorted(value)) for key, value in revokes.items() if value),
        roles=roles,
        proxies=proxies,
        default_roles=default_roles,
    )


def parse_create_user(text):
    """The non-secret attributes of SHOW CREATE USER: ``create_user`` (redacted text), ``plugins``,
    ``locked``, ``default_roles`` (MySQL's ``DEFAULT ROLE``; None when absent)."""
    if not text:
        return dict(create_user=None, plugins=[], locked=False, default_roles=None)
    tokens = tokenize(text)
    plugins = []
    default_roles = None
    locked = False
    for index, token in enumerate(tokens):
        upper = token.upper
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if upper in ('WITH', 'VIA') and index > 0 and tokens[index - 1].upper in ('IDENTIFIED', 'OR') \
                and following is not None:
            plugins.append(unquote(following))
        elif upper == 'OR' and following is not None and following.kind in ('word', 'sq') \
                and following.upper not in ('REPLACE',) and plugins:
            plugins.append(unquote(following))
        elif upper == 'ACCOUNT' and following is not None and following.upper == 'LOCK':
            locked = True
        elif upper == 'DEFAULT' and following is not None and following.upper == 'ROLE':
            default_roles = _default_role_list(tokens[index + 2:])
    return dict(create_user=redact(text), plugins=sorted(set(plugins)), locked=locked, default_roles=default_roles)


def _default_role_list(tokens):
    roles = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.kind not in ('bq', 'sq', 'dq'):
            break
        user = unquote(token)
        host = None
        if index + 2 < len(tokens) and tokens[index + 1].text == '@':
            host = unquote(tokens[index + 2])
            index += 2
        roles.append(account_sql(user, host))
        index += 1
        if index < len(tokens) and tokens[index].text == ',':
            index += 1
            continue
        break
    return roles


def object_level(key):
    """global, database, table or routine (from an object key made by this file)."""
    if key.startswith(_ROUTINE_KINDS):
        return 'routine'
    if key == '*.*' or key == '*':
        return 'global'
    if key.endswith('.*'):
        return 'database'
    return 'table'
