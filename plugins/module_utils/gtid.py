# -*- coding: utf-8 -*-
# Copyright: drkit.mysql contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GTID set arithmetic for MySQL and MariaDB.

Failover safety decisions ("is this replica missing anything?", "does it
hold errant transactions?") are set questions, so both GTID dialects are
mapped onto one model: for every key, a sorted list of merged, inclusive
integer intervals.

* MySQL: ``3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7-9,uuid2:1-3``.  The key
  is ``(uuid, tag)``; ``tag`` is ``''`` for untagged GTIDs and the lowercase
  tag for MySQL 8.4 tagged GTIDs (``uuid:tag:1-5``).
* MariaDB: a GTID position list ``0-1-100,1-2-50`` (domain-server_id-seq_no).
  Under ``gtid_strict_mode`` (required by this collection) sequence numbers
  in a domain only grow, so position ``D-S-N`` is read as "seq 1..N of
  domain D".  The key is the domain id; the server_id that owns the highest
  seq of each domain is remembered so the set can be written back as a
  position.

A MariaDB set that is not "1..N" per domain (the result of ``difference``)
cannot be written as a position.  ``str()`` then uses a readable form that
``parse_gtid_set`` also accepts: ``D-S-A..B`` (``S`` is ``?`` when the
server_id is unknown), one element per interval, e.g. ``0-?-101..150``.

Stdlib only: this file runs on managed hosts with Python 3.8+.
"""

from __future__ import absolute_import, division, print_function

import re

__metaclass__ = type

MYSQL = 'mysql'
MARIADB = 'mariadb'
FLAVORS = (MYSQL, MARIADB)

# MySQL GNOs are signed 64-bit and start at 1.
_MYSQL_GNO_MAX = (1 << 63) - 1
# MariaDB domain and server ids are 32-bit, seq_no is 64-bit.
_MARIADB_ID_MAX = (1 << 32) - 1
_MARIADB_SEQ_MAX = (1 << 64) - 1

_UUID_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', re.IGNORECASE)
_TAG_RE = re.compile(r'^[a-z_][a-z0-9_]{0,31}$', re.IGNORECASE)
_INTERVAL_RE = re.compile(r'^(\d+)(?:-(\d+))?$')
_MARIADB_POS_RE = re.compile(r'^(\d+)-(\d+)-(\d+)$')
_MARIADB_RANGE_RE = re.compile(r'^(\d+)-(\d+|\?)-(\d+)\.\.(\d+)$')


class GtidError(ValueError):
    """Bad GTID text or an operation mixing MySQL and MariaDB sets."""


# --------------------------------------------------------------------------
# interval helpers: lists of (start, end) tuples, sorted, merged, inclusive
# --------------------------------------------------------------------------

def _merge(intervals):
    """Sort and merge overlapping or adjacent intervals."""
    result = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1] + 1:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def _intersect(left, right):
    """Intervals present in both merged lists."""
    result = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start <= end:
            result.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return result


def _subtract(left, right):
    """Intervals of ``left`` not covered by ``right`` (both merged)."""
    result = []
    j = 0
    for start, end in left:
        while j < len(right) and right[j][1] < start:
            j += 1
        k = j
        current = start
        while k < len(right) and right[k][0] <= end:
            if right[k][0] > current:
                result.append((current, right[k][0] - 1))
            current = max(current, right[k][1] + 1)
            if current > end:
                break
            k += 1
        if current <= end:
            result.append((current, end))
    return result


def _count(intervals):
    return sum(end - start + 1 for start, end in intervals)


def _format_mysql_intervals(intervals):
    return ':'.join(str(s) if s == e else '%d-%d' % (s, e) for s, e in intervals)


# --------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------

def _elements(text):
    """Split on commas, dropping the whitespace/newlines servers put there."""
    return [part.strip() for part in text.split(',') if part.strip()]


def _detect_flavor(elements):
    """MySQL elements always carry ':' (uuid:interval); MariaDB ones never do."""
    if not elements:
        return None
    first = elements[0]
    if ':' in first or _UUID_RE.match(first):
        return MYSQL
    return MARIADB


def _parse_mysql(elements):
    intervals = {}
    for element in elements:
        parts = [p.strip() for p in element.split(':')]
        uuid = parts[0]
        if not _UUID_RE.match(uuid):
            raise GtidError('invalid MySQL GTID set: %r does not start with a server UUID.' % element)
        if len(parts) < 2:
            raise GtidError('invalid MySQL GTID set: %r has a UUID but no transaction numbers.' % element)
        uuid = uuid.lower()
        tag = ''
        tag_has_interval = True
        for part in parts[1:]:
            match = _INTERVAL_RE.match(part)
            if match:
                start = int(match.group(1))
                end = int(match.group(2)) if match.group(2) is not None else start
                if start < 1 or end < start or end > _MYSQL_GNO_MAX:
                    raise GtidError('invalid MySQL GTID set: interval %r in %r is empty or out of range.'
                                    % (part, element))
                intervals.setdefault((uuid, tag), []).append((start, end))
                tag_has_interval = True
            elif _TAG_RE.match(part):
                if not tag_has_interval:
                    raise GtidError('invalid MySQL GTID set: tag %r in %r has no transaction numbers.'
                                    % (tag, element))
                tag = part.lower()
                tag_has_interval = False
            else:
                raise GtidError('invalid MySQL GTID set: %r in %r is neither an interval nor a tag.'
                                % (part, element))
        if not tag_has_interval:
            raise GtidError('invalid MySQL GTID set: tag %r in %r has no transaction numbers.' % (tag, element))
    return dict((key, _merge(value)) for key, value in intervals.items())


def _parse_mariadb(elements):
    intervals = {}
    server_ids = {}
    tops = {}
    for element in elements:
        match = _MARIADB_POS_RE.match(element)
        if match:
            domain, server_id, seq = (int(g) for g in match.groups())
            start = 1
        else:
            match = _MARIADB_RANGE_RE.match(element)
            if not match:
                raise GtidError('invalid MariaDB GTID position: %r is not domain-server_id-seq_no.' % element)
            domain = int(match.group(1))
            server_id = None if match.group(2) == '?' else int(match.group(2))
            start, seq = int(match.group(3)), int(match.group(4))
            if start < 1 or seq < start:
                raise GtidError('invalid MariaDB GTID position: range %r is empty.' % element)
        if domain > _MARIADB_ID_MAX or (server_id or 0) > _MARIADB_ID_MAX or seq > _MARIADB_SEQ_MAX:
            raise GtidError('invalid MariaDB GTID position: %r has a number out of range.' % element)
        if seq == 0:
            # "D-S-0" names no transaction; nothing to add.
            continue
        intervals.setdefault(domain, []).append((start, seq))
        if domain not in tops or seq > tops[domain]:
            tops[domain] = seq
            server_ids[domain] = server_id
    return dict((key, _merge(value)) for key, value in intervals.items()), server_ids


def parse_gtid_set(text, flavor=None):
    """Parse server GTID text into a GtidSet.

    ``flavor`` is 'mysql', 'mariadb' or None to detect it from the text.
    Empty or None text gives an empty set; with ``flavor=None`` that set
    has no flavor and combines with sets of either kind.
    """
    if isinstance(text, GtidSet):
        if flavor is not None and text.flavor is not None and text.flavor != flavor:
            raise GtidError('cannot use a %s GTID set where a %s one is expected.' % (text.flavor, flavor))
        return text
    if flavor is not None and flavor not in FLAVORS:
        raise GtidError('unknown GTID flavor %r: expected one of %s.' % (flavor, ', '.join(FLAVORS)))
    if text is None:
        text = ''
    if isinstance(text, bytes):
        text = text.decode('utf-8')
    if not isinstance(text, str):
        raise GtidError('a GTID set must be text, not %s.' % type(text).__name__)
    elements = _elements(text)
    detected = _detect_flavor(elements)
    if flavor is None:
        flavor = detected
    if not elements:
        return GtidSet(flavor)
    if flavor == MYSQL:
        return GtidSet(MYSQL, _parse_mysql(elements))
    intervals, server_ids = _parse_mariadb(elements)
    return GtidSet(MARIADB, intervals, server_ids)


# --------------------------------------------------------------------------
# the set
# --------------------------------------------------------------------------

class GtidSet:
    """An immutable set of transactions: key -> merged inclusive intervals.

    Operations return new sets.  Operands may be GtidSet objects or GTID
    text (parsed with this set's flavor).
    """

    __slots__ = ('flavor', '_intervals', '_server_ids')

    def __init__(self, flavor=None, intervals=None, server_ids=None):
        if flavor is not None and flavor not in FLAVORS:
            raise GtidError('unknown GTID flavor %r: expected one of %s.' % (flavor, ', '.join(FLAVORS)))
        self.flavor = flavor
        self._intervals = dict((k, list(v)) for k, v in (intervals or {}).items() if v)
        if flavor == MARIADB:
            self._server_ids = dict((k, (server_ids or {}).get(k)) for k in self._intervals)
        else:
            self._server_ids = {}

    # -- helpers ---------------------------------------------------------

    def _coerce(self, other):
        """Return (flavor, other as GtidSet), refusing to mix flavors."""
        if not isinstance(other, GtidSet):
            other = parse_gtid_set(other, self.flavor)
        if self.flavor is not None and other.flavor is not None and self.flavor != other.flavor:
            raise GtidError('cannot combine a %s GTID set with a %s one.' % (self.flavor, other.flavor))
        return self.flavor or other.flavor, other

    def _top(self, key):
        intervals = self._intervals.get(key)
        return intervals[-1][1] if intervals else None

    def _keep_server_ids(self, flavor, intervals, *sources):
        """server_id of each domain's highest seq, if a source had that seq on top."""
        if flavor != MARIADB:
            return None
        result = {}
        for domain, domain_intervals in intervals.items():
            top = domain_intervals[-1][1]
            result[domain] = None
            for source in sources:
                if source._top(domain) == top and source._server_ids.get(domain) is not None:
                    result[domain] = source._server_ids[domain]
                    break
        return result

    # -- set algebra -----------------------------------------------------

    def union(self, other):
        """Every transaction in either set."""
        flavor, other = self._coerce(other)
        intervals = {}
        for key in set(self._intervals) | set(other._intervals):
            intervals[key] = _merge(self._intervals.get(key, []) + other._intervals.get(key, []))
        return GtidSet(flavor, intervals, self._keep_server_ids(flavor, intervals, self, other))

    def difference(self, other):
        """Transactions self has that other lacks."""
        flavor, other = self._coerce(other)
        intervals = {}
        for key, mine in self._intervals.items():
            rest = _subtract(mine, other._intervals.get(key, []))
            if rest:
                intervals[key] = rest
        return GtidSet(flavor, intervals, self._keep_server_ids(flavor, intervals, self))

    def intersection(self, other):
        """Transactions in both sets."""
        flavor, other = self._coerce(other)
        intervals = {}
        for key, mine in self._intervals.items():
            common = _intersect(mine, other._intervals.get(key, []))
            if common:
                intervals[key] = common
        return GtidSet(flavor, intervals, self._keep_server_ids(flavor, intervals, self, other))

    def is_subset(self, other):
        """True when every transaction of self is also in other."""
        return self.difference(other).is_empty()

    def is_empty(self):
        return not self._intervals

    def count(self):
        """Number of transactions in the set."""
        return sum(_count(v) for v in self._intervals.values())

    def diverged_domains(self, other):
        """MariaDB domains whose highest seq_no is equal but owned by different servers.

        Positions hide which server wrote each older transaction, so this is
        the only divergence a position can reveal: the same seq_no written by
        two servers (e.g. an errant write on a replica, 0-2-12 vs 0-1-12).
        Always empty for MySQL sets, whose UUIDs already tell servers apart.
        """
        flavor, other = self._coerce(other)
        if flavor != MARIADB:
            return []
        result = []
        for domain in sorted(set(self._intervals) & set(other._intervals)):
            mine, theirs = self._server_ids.get(domain), other._server_ids.get(domain)
            if (self._top(domain) == other._top(domain) and mine is not None and theirs is not None
                    and mine != theirs):
                result.append(domain)
        return result

    __or__ = union
    __sub__ = difference
    __and__ = intersection
    __le__ = is_subset

    def __bool__(self):
        return not self.is_empty()

    def __eq__(self, other):
        if not isinstance(other, (GtidSet, str)):
            return NotImplemented
        try:
            flavor, other = self._coerce(other)
        except GtidError:
            return False
        return self._intervals == other._intervals

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None

    # -- output ----------------------------------------------------------

    def keys(self):
        """Sorted keys: (uuid, tag) tuples for MySQL, domain ids for MariaDB."""
        return sorted(self._intervals)

    def intervals(self, key):
        """Merged (start, end) intervals of one key, [] when absent."""
        return list(self._intervals.get(key, []))

    def server_id(self, domain):
        """MariaDB: server_id owning the highest seq of ``domain``, or None."""
        return self._server_ids.get(domain)

    def _mysql_str(self):
        by_uuid = {}
        for (uuid, tag), intervals in self._intervals.items():
            by_uuid.setdefault(uuid, []).append((tag, intervals))
        elements = []
        for uuid in sorted(by_uuid):
            parts = [uuid]
            for tag, intervals in sorted(by_uuid[uuid]):
                if tag:
                    parts.append(tag)
                parts.append(_format_mysql_intervals(intervals))
            elements.append(':'.join(parts))
        return ','.join(elements)

    def _mariadb_str(self):
        elements = []
        for domain in sorted(self._intervals):
            intervals = self._intervals[domain]
            server_id = self._server_ids.get(domain)
            if len(intervals) == 1 and intervals[0][0] == 1:
                elements.append('%d-%d-%d' % (domain, server_id or 0, intervals[0][1]))
                continue
            for start, end in intervals:
                owner = server_id if (end == intervals[-1][1] and server_id is not None) else '?'
                elements.append('%d-%s-%d..%d' % (domain, owner, start, end))
        return ','.join(elements)

    def __str__(self):
        """Canonical text; see the module docstring for the MariaDB forms."""
        if self.flavor == MARIADB:
            return self._mariadb_str()
        return self._mysql_str()

    def __repr__(self):
        return 'GtidSet(%r, %r)' % (self.flavor, str(self))

    def to_dict(self):
        """JSON-friendly description, for module results."""
        intervals = {}
        for key in self.keys():
            if self.flavor == MARIADB:
                name = str(key)
            else:
                name = key[0] + (':' + key[1] if key[1] else '')
            intervals[name] = [[start, end] for start, end in self._intervals[key]]
        result = {
            'flavor': self.flavor,
            'gtid_set': str(self),
            'count': self.count(),
            'intervals': intervals,
        }
        if self.flavor == MARIADB:
            result['server_ids'] = dict((str(k), self._server_ids.get(k)) for k in self.keys())
        return result


# --------------------------------------------------------------------------
# messages
# --------------------------------------------------------------------------

def _plural(number):
    return '%d transaction%s' % (number, '' if number == 1 else 's')


def _seq_ranges(intervals):
    return ', '.join(str(s) if s == e else '%d-%d' % (s, e) for s, e in intervals)


def describe_missing(candidate, other):
    """One sentence saying what ``other`` has that ``candidate`` lacks.

    Used in refusals such as "replica db2 cannot be promoted: missing 42
    transactions: 3e11...:58-99".
    """
    if not isinstance(candidate, GtidSet):
        candidate = parse_gtid_set(candidate, other.flavor if isinstance(other, GtidSet) else None)
    missing = parse_gtid_set(other, candidate.flavor).difference(candidate)
    total = missing.count()
    if total == 0:
        return 'missing no transactions'
    if missing.flavor != MARIADB:
        return 'missing %s: %s' % (_plural(total), missing)
    domains = missing.keys()
    if len(domains) == 1:
        domain = domains[0]
        return 'missing %s in domain %d (seq %s)' % (_plural(total), domain, _seq_ranges(missing.intervals(domain)))
    parts = ['%d in domain %d (seq %s)' % (_count(missing.intervals(d)), d, _seq_ranges(missing.intervals(d)))
             for d in domains]
    return 'missing %s: %s' % (_plural(total), ', '.join(parts))
