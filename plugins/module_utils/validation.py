# -*- coding: utf-8 -*-
# Copyright (c) 2026 drkit.mysql maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Named SQL assertions ("business checks") run read-only against one server.

A check is a dict::

    name: users_count                      # required, unique
    query: SELECT COUNT(*) FROM shop.users # required: one SELECT, SHOW or WITH ... SELECT
    params: []                             # optional, PyMySQL parameters (%s in the query)
    expect: {equals: 3000}                 # required, exactly one kind (min and max may go together)
    description: every customer is there   # optional
    timeout: 30                            # optional, seconds; 0 = no limit

Expectation kinds: ``equals`` (the single value, numbers compared numerically,
``null`` for SQL NULL), ``min``/``max`` (the single value within bounds),
``no_rows`` (true: no rows; false: at least one row), ``rows`` (exact row
count), ``jmespath`` (an expression over the list of row dicts that must be
truthy in JMESPath's sense).

Why the statement is read before it is sent: a validation step runs after a
failover, against the new primary, often with an account that can write.  A
check must never be able to change data, so anything that is not a single
read statement is refused before it reaches the server, and what is sent
runs inside ``START TRANSACTION READ ONLY`` so the server itself stops a
stored function that would write.

Stdlib (plus optional jmespath) only: this file runs on managed hosts.
"""

from __future__ import absolute_import, division, print_function

import datetime
import decimal
import math
import re
import time

from ansible_collections.drkit.mysql.plugins.module_utils.text_table import text_table

try:
    import jmespath
    from jmespath.exceptions import JMESPathError
    HAS_JMESPATH = True
except ImportError:  # pragma: no cover - jmespath is in requirements.txt
    jmespath = None
    JMESPathError = Exception
    HAS_JMESPATH = False

__metaclass__ = type

CHECK_KEYS = ("name", "query", "params", "expect", "description", "timeout")
EXPECT_KINDS = ("equals", "min", "max", "no_rows", "rows", "jmespath")
READ_KEYWORDS = ("SELECT", "SHOW", "WITH")
# Server error codes of a statement stopped by its time limit (MariaDB, MySQL).
TIMEOUT_ERRORS = (1969, 3024)
SAMPLE_ROWS = 3
CELL_WIDTH = 100

_TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*|[()\[\],;]|\S")
_NUMBER_RE = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")
_TRUE_WORDS = ("1", "ON", "YES", "TRUE")
_FALSE_WORDS = ("0", "OFF", "NO", "FALSE")


class CheckError(ValueError):
    """A check is badly written (refused before any query runs); ``str()`` names the check."""


# -- reading the statement ----------------------------------------------------


def _mask(query):
    """The query with comments blanked and literals/quoted names replaced, same length.

    Positions in the result are positions in ``query``, so a place found in
    the masked text (where the main SELECT keyword is) is valid in the
    original.  Executable comments (``/*! ... */``, ``/*M! ... */``) are
    refused: the server runs what they contain.
    """
    out = []
    index, length = 0, len(query)
    while index < length:
        char = query[index]
        pair = query[index:index + 2]
        if pair == "/*":
            end = query.find("*/", index + 2)
            if end < 0:
                raise CheckError("the query has an unterminated /* comment")
            if query[index + 2:index + 3] == "!" or query[index + 2:index + 4].upper() == "M!":
                raise CheckError("executable comments (/*! ... */) are not allowed in a check: "
                                 "the server runs their content")
            out.append(" " * (end + 2 - index))
            index = end + 2
        elif char == "#" or (pair == "--" and (index + 2 == length or query[index + 2].isspace())):
            end = query.find("\n", index)
            end = length if end < 0 else end
            out.append(" " * (end - index))
            index = end
        elif char in "'\"`":
            end = index + 1
            while end < length and query[end] != char:
                end += 2 if (query[end] == "\\" and char != "`") else 1
            if end >= length:
                raise CheckError("the query has an unterminated %s quote" % char)
            out.append("_" * (end + 1 - index))
            index = end + 1
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _tokens(masked):
    return [(match.group(0), match.start()) for match in _TOKEN_RE.finditer(masked)]


def _group_end(tokens, start):
    """Index of the ``)`` closing the ``(`` at ``start``."""
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index][0] == "(":
            depth += 1
        elif tokens[index][0] == ")":
            depth -= 1
            if depth == 0:
                return index
    raise CheckError("the query has an unbalanced parenthesis")


def _word(token):
    text = token[0]
    return text.upper() if (text[:1].isalpha() or text[:1] == "_") else None


def _main_select(tokens, start):
    """Index of the SELECT keyword of the statement starting at ``tokens[start]``.

    ``(SELECT ...)``, ``WITH [RECURSIVE] name [(cols)] AS (...) [, ...] SELECT ...``
    are followed to their main SELECT; anything else (a WITH ending in
    UPDATE/DELETE, which MySQL 8 accepts) is refused.
    """
    index = start
    while index < len(tokens) and tokens[index][0] == "(":
        index += 1
    if index >= len(tokens):
        raise CheckError("the query is empty")
    word = _word(tokens[index])
    if word == "SELECT":
        return index
    if word != "WITH":
        raise CheckError("only SELECT, SHOW or WITH ... SELECT statements may run as a check, "
                         "this one starts with %s" % (word or tokens[index][0]))
    index += 1
    if index < len(tokens) and _word(tokens[index]) == "RECURSIVE":
        index += 1
    while True:
        if index >= len(tokens) or _word(tokens[index]) is None:
            raise CheckError("cannot read the WITH clause: a common table expression name is missing")
        index += 1
        if index < len(tokens) and tokens[index][0] == "(":
            index = _group_end(tokens, index) + 1
        if index >= len(tokens) or _word(tokens[index]) != "AS":
            raise CheckError("cannot read the WITH clause: AS (...) is missing")
        index += 1
        if index >= len(tokens) or tokens[index][0] != "(":
            raise CheckError("cannot read the WITH clause: AS must be followed by (subquery)")
        index = _group_end(tokens, index) + 1
        if index < len(tokens) and tokens[index][0] == ",":
            index += 1
            continue
        break
    if index >= len(tokens):
        raise CheckError("the WITH clause is not followed by a SELECT")
    if tokens[index][0] == "(" or _word(tokens[index]) == "SELECT":
        return _main_select(tokens, index)
    raise CheckError("WITH ... must end in a SELECT to run as a check, this one ends in %s"
                     % (_word(tokens[index]) or tokens[index][0]))


def read_statement(query):
    """Check that ``query`` is one read statement; return ``(statement, keyword, select_pos)``.

    ``statement`` is the query without a trailing ``;`` (and trailing
    comments), ``keyword`` SELECT, SHOW or WITH, ``select_pos`` the offset
    just after the main SELECT keyword (None for SHOW).  Raises CheckError
    with the reason otherwise.
    """
    if not isinstance(query, str) or not query.strip():
        raise CheckError("the query is empty")
    masked = _mask(query)
    tokens = _tokens(masked)
    while tokens and tokens[-1][0] == ";":
        tokens.pop()
    if not tokens:
        raise CheckError("the query is empty")
    if any(token[0] == ";" for token in tokens):
        raise CheckError("a check runs exactly one statement; this query has several (a ';' in the middle)")
    first = 0
    while first < len(tokens) and tokens[first][0] == "(":
        first += 1
    keyword = _word(tokens[first]) if first < len(tokens) else None
    if keyword not in READ_KEYWORDS:
        raise CheckError("only SELECT, SHOW or WITH ... SELECT statements may run as a check, "
                         "this one starts with %s" % (keyword or tokens[first][0] if first < len(tokens) else "'('"))
    words = [_word(token) for token in tokens]
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else None
        if word == "INTO":
            raise CheckError("SELECT ... INTO writes to a file or to variables; a check may only read")
        if (word == "FOR" and following in ("UPDATE", "SHARE")) or (word == "LOCK" and following == "IN"):
            raise CheckError("locking reads (FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE) are not allowed in a check")
        if word in ("NEXTVAL", "SETVAL") or (word == "NEXT" and following == "VALUE"):
            raise CheckError("%s advances a sequence; a check may only read" % word)
    select_pos = None
    if keyword != "SHOW":
        select_index = _main_select(tokens, 0)
        select_pos = tokens[select_index][1] + len(tokens[select_index][0])
    end = tokens[-1][1] + len(tokens[-1][0])
    return query[:end], keyword, select_pos


def with_timeout(statement, keyword, select_pos, timeout, is_mariadb):
    """The statement with the server-side time limit of its dialect.

    MariaDB: ``SET STATEMENT max_statement_time=N FOR <statement>`` (any
    statement).  MySQL: the ``MAX_EXECUTION_TIME(ms)`` optimizer hint after
    the main SELECT; MySQL has no limit for SHOW, which runs as is.
    """
    if not timeout or timeout <= 0:
        return statement
    if is_mariadb:
        return "SET STATEMENT max_statement_time=%s FOR %s" % (_seconds(timeout), statement)
    if select_pos is None:
        return statement
    return "%s /*+ MAX_EXECUTION_TIME(%d) */%s" % (statement[:select_pos], max(1, int(round(timeout * 1000))),
                                                   statement[select_pos:])


def _seconds(timeout):
    text = ("%.3f" % float(timeout)).rstrip("0").rstrip(".")
    return text or "0"


# -- values -------------------------------------------------------------------


def json_safe(value):
    """A value as it may go into a module result (DECIMAL stays exact, as a string)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return _timedelta_text(value)
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, dict):
        return dict((str(key), json_safe(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted(json_safe(item) for item in value)
    return str(value)


def plain(value):
    """A value as JMESPath sees it: DECIMAL becomes a number (int when integral)."""
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            return str(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return dict((str(key), plain(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return json_safe(value)


def _timedelta_text(value):
    """MySQL TIME as the server prints it: ``-838:59:59`` .. ``838:59:59[.ffffff]``."""
    total = value.days * 86400 + value.seconds
    sign = "-" if total < 0 or (total == 0 and value.microseconds and value.days < 0) else ""
    total = abs(total)
    text = "%s%d:%02d:%02d" % (sign, total // 3600, total % 3600 // 60, total % 60)
    if value.microseconds:
        text += ".%06d" % value.microseconds
    return text


def to_number(value):
    """Decimal of a number or numeric text, None for anything else (bool, NULL, NaN, text)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, decimal.Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return decimal.Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return decimal.Decimal(repr(value))
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("utf-8", "replace")
    if isinstance(value, str) and _NUMBER_RE.match(value):
        return decimal.Decimal(value.strip())
    return None


def _is_number_type(value):
    return isinstance(value, (int, float, decimal.Decimal)) and not isinstance(value, bool)


def values_equal(observed, expected):
    """``equals``: NULL only equals null, numbers compare numerically, text exactly.

    ``1500.5`` equals DECIMAL ``1500.50``; ``"3000"`` equals an integer
    3000; ``true``/``false`` equal 1/0 and ON/OFF, YES/NO, TRUE/FALSE.
    A DATETIME equals its ISO text or the server's ``YYYY-MM-DD HH:MM:SS`` text.
    """
    if expected is None or observed is None:
        return expected is None and observed is None
    if isinstance(observed, (bytes, bytearray)):
        observed = bytes(observed).decode("utf-8", "replace")
    if isinstance(expected, bool):
        number = to_number(observed)
        if number is not None:
            return number == (1 if expected else 0)
        if isinstance(observed, str):
            return observed.strip().upper() in (_TRUE_WORDS if expected else _FALSE_WORDS)
        return observed is expected
    if _is_number_type(expected) or (isinstance(expected, str) and _is_number_type(observed)):
        left, right = to_number(observed), to_number(expected)
        if left is not None and right is not None:
            return left == right
        if _is_number_type(expected):
            return False
    if isinstance(observed, (datetime.datetime, datetime.date, datetime.time)):
        return expected in (observed.isoformat(), str(observed))
    if isinstance(observed, datetime.timedelta):
        return expected == _timedelta_text(observed)
    if isinstance(observed, str) and isinstance(expected, str):
        return observed == expected
    return json_safe(observed) == json_safe(expected)


def jmespath_truthy(value):
    """JMESPath's truth: false, null, '' [] {} are false; every number (0 too) is true."""
    return not (value is None or value is False or value == "" or value == [] or value == {})


# -- checks -------------------------------------------------------------------


def _render(value):
    """A value for the expectation text: NULL, numbers bare, text quoted."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number_type(value):
        return str(json_safe(value))
    return repr(str(value)) if isinstance(value, str) else str(json_safe(value))


def describe_expectation(expect):
    """A readable sentence for an expectation dict (already validated)."""
    if "equals" in expect:
        return "is NULL" if expect["equals"] is None else "= %s" % _render(expect["equals"])
    if "min" in expect and "max" in expect:
        return "between %s and %s" % (_render(expect["min"]), _render(expect["max"]))
    if "min" in expect:
        return ">= %s" % _render(expect["min"])
    if "max" in expect:
        return "<= %s" % _render(expect["max"])
    if "no_rows" in expect:
        return "no rows" if expect["no_rows"] else "at least one row"
    if "rows" in expect:
        return "exactly %d row%s" % (expect["rows"], "" if expect["rows"] == 1 else "s")
    return "jmespath: %s" % expect["jmespath"]


def _fail(name, text):
    raise CheckError("check %s: %s" % (name, text) if name else text)


def _validate_expect(name, expect):
    if not isinstance(expect, dict) or not expect:
        _fail(name, "expect must be a dict with one of %s (e.g. expect: {equals: 0})" % ", ".join(EXPECT_KINDS))
    unknown = sorted(set(expect) - set(EXPECT_KINDS))
    if unknown:
        _fail(name, "unknown expectation %s; use one of %s" % (", ".join(unknown), ", ".join(EXPECT_KINDS)))
    kinds = set(expect)
    if len(kinds) > 1 and kinds != set(["min", "max"]):
        _fail(name, "expect has %s; give exactly one kind (only min and max may go together)"
              % " and ".join(sorted(kinds)))
    if "equals" in expect:
        if isinstance(expect["equals"], (dict, list)):
            _fail(name, "equals compares one value; for rows use jmespath")
    for bound in ("min", "max"):
        if bound in expect and to_number(expect[bound]) is None:
            _fail(name, "%s must be a number, got %r" % (bound, expect[bound]))
    if "min" in expect and "max" in expect and to_number(expect["min"]) > to_number(expect["max"]):
        _fail(name, "min (%s) is greater than max (%s)" % (expect["min"], expect["max"]))
    if "no_rows" in expect and not isinstance(expect["no_rows"], bool):
        _fail(name, "no_rows must be true or false")
    if "rows" in expect:
        rows = expect["rows"]
        if isinstance(rows, str) and rows.strip().isdigit():
            rows = int(rows)
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
            _fail(name, "rows must be a row count (an integer >= 0), got %r" % (expect["rows"],))
        expect["rows"] = rows
    if "jmespath" in expect:
        expression = expect["jmespath"]
        if not isinstance(expression, str) or not expression.strip():
            _fail(name, "jmespath must be a non-empty expression")
        if not HAS_JMESPATH:
            _fail(name, "jmespath expectations need the Python library jmespath on the host running the module")
        try:
            jmespath.compile(expression)
        except JMESPathError as exc:
            _fail(name, "the jmespath expression %s is invalid: %s" % (expression, _one_line(exc)))


def _one_line(exc):
    text = getattr(exc, "msg", None) or str(exc)
    parts = [part.strip() for part in str(text).splitlines() if part.strip()]
    detail = parts[0] if parts else exc.__class__.__name__
    position = getattr(exc, "lex_position", None)
    if isinstance(position, int) and "position" not in detail:
        detail += " (at character %d)" % position
    return detail


def prepare_check(check, default_timeout=None, index=None):
    """Validate one check and return a clean copy (statement read, expectation described)."""
    where = "checks[%s]" % index if index is not None else "a check"
    if not isinstance(check, dict):
        raise CheckError("%s must be a dict with name, query and expect, got %r" % (where, check))
    name = check.get("name")
    if not isinstance(name, str) or not name.strip():
        raise CheckError("%s has no name; every check needs a unique name" % where)
    unknown = sorted(key for key in check if key not in CHECK_KEYS and check[key] is not None)
    if unknown:
        _fail(name, "unknown key(s) %s; a check has %s" % (", ".join(unknown), ", ".join(CHECK_KEYS)))
    if not check.get("query"):
        _fail(name, "query is missing")
    try:
        statement, keyword, select_pos = read_statement(check["query"])
    except CheckError as exc:
        _fail(name, "refused before running it: %s" % exc)
    params = check.get("params")
    if params is not None and not isinstance(params, (list, tuple)):
        _fail(name, "params must be a list (the values of the %s placeholders)")
    if "expect" not in check or check["expect"] is None:
        _fail(name, "expect is missing (e.g. expect: {equals: 0}, {no_rows: true}, {min: 1})")
    expect = dict(check["expect"]) if isinstance(check["expect"], dict) else check["expect"]
    _validate_expect(name, expect)
    timeout = check.get("timeout")
    if timeout is None:
        timeout = default_timeout
    if timeout is not None:
        number = to_number(timeout)
        if number is None or number < 0:
            _fail(name, "timeout must be a number of seconds (0 for no limit), got %r" % (timeout,))
        timeout = float(number)
    return dict(name=name, description=check.get("description"), query=check["query"],
                params=list(params) if params is not None else None, expect=expect,
                expectation=describe_expectation(expect), timeout=timeout,
                statement=statement, keyword=keyword, select_pos=select_pos)


def prepare_checks(checks, default_timeout=None):
    """Validate every check before any runs; names must be unique."""
    if checks is None:
        return []
    if not isinstance(checks, (list, tuple)):
        raise CheckError("checks must be a list of dicts with name, query and expect")
    prepared, seen = [], set()
    for index, check in enumerate(checks):
        item = prepare_check(check, default_timeout, index)
        if item["name"] in seen:
            raise CheckError("check %s is defined twice; check names must be unique" % item["name"])
        seen.add(item["name"])
        prepared.append(item)
    return prepared


def _scalar(rows, columns):
    """The single value of a one-row, one-column result, or raise ValueError saying what came back."""
    width = len(columns) if columns else (len(rows[0]) if rows else 0)
    if len(rows) != 1 or width != 1:
        raise ValueError("expected one value (one row of one column), the query returned %d row%s of %d column%s"
                         % (len(rows), "" if len(rows) == 1 else "s", width, "" if width == 1 else "s"))
    return list(rows[0].values())[0]


def evaluate(expect, rows, columns=None):
    """Judge rows against an expectation: ``(passed, observed, error)``; observed is JSON-safe."""
    if "no_rows" in expect or "rows" in expect:
        count = len(rows)
        if "rows" in expect:
            return count == expect["rows"], count, None
        return (count == 0) if expect["no_rows"] else (count > 0), count, None
    if "jmespath" in expect:
        try:
            result = jmespath.search(expect["jmespath"], [plain(row) for row in rows])
        except JMESPathError as exc:
            return False, None, "the jmespath expression failed on the result: %s" % _one_line(exc)
        return jmespath_truthy(result), json_safe(result), None
    try:
        value = _scalar(rows, columns)
    except ValueError as exc:
        return False, None, str(exc)
    if "equals" in expect:
        return values_equal(value, expect["equals"]), json_safe(value), None
    number = to_number(value)
    if number is None:
        what = "NULL" if value is None else "%r, not a number" % (json_safe(value),)
        return False, json_safe(value), "the value is %s, so it cannot be compared with %s" % (
            what, describe_expectation(expect))
    passed = True
    if "min" in expect:
        passed = passed and number >= to_number(expect["min"])
    if "max" in expect:
        passed = passed and number <= to_number(expect["max"])
    return passed, json_safe(value), None


def explain_query_error(exc, timeout):
    """One line for a failed query: the server's code and message, or the time limit."""
    args = getattr(exc, "args", ())
    code = args[0] if args and isinstance(args[0], int) else None
    text = str(args[1]) if len(args) > 1 else str(exc)
    if code in TIMEOUT_ERRORS:
        return "timed out: stopped by the server after %s s (%s)" % (_seconds(timeout), text)
    if code is not None:
        return "(%d) %s" % (code, text)
    return "%s: %s" % (exc.__class__.__name__, text)


def observed_text(result):
    """The observed value as a person reads it in a table cell."""
    if result.get("error"):
        return "error: %s" % result["error"]
    expect = result.get("expect") or {}
    if "rows" in expect or "no_rows" in expect:
        count = result.get("observed")
        text = "%s row%s" % (count, "" if count == 1 else "s")
        sample = result.get("sample") or []
        if sample and not result.get("passed"):
            text += ", first: %s" % format_value(sample[0])
        return text
    if "jmespath" in expect:
        return format_value(result.get("observed"))
    return "NULL" if result.get("observed") is None else format_value(result.get("observed"))


def format_value(value):
    """Compact, YAML-ish text of a JSON-safe value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{%s}" % ", ".join("%s: %s" % (key, format_value(item)) for key, item in value.items())
    if isinstance(value, list):
        return "[%s]" % ", ".join(format_value(item) for item in value)
    return str(value)


def run_check(server, check):
    """Run one prepared check read-only; return its JSON-safe result (never raises for SQL errors)."""
    result = dict(name=check["name"], description=check.get("description"), query=check["query"],
                  expectation=check["expectation"], expect=check["expect"], passed=False, observed=None,
                  rows=None, duration_ms=None, error=None)
    sql = with_timeout(check["statement"], check["keyword"], check["select_pos"], check.get("timeout"),
                       server.dialect.is_mariadb)
    started = time.time()
    rows, columns = None, None
    try:
        with server.conn.cursor() as cursor:
            cursor.execute("START TRANSACTION READ ONLY")
            try:
                cursor.execute(sql, check.get("params"))
                columns = [column[0] for column in (cursor.description or ())]
                rows = list(cursor.fetchall())
            finally:
                try:
                    cursor.execute("ROLLBACK")
                except Exception:
                    pass
    except Exception as exc:  # PyMySQL raises several unrelated types; the check reports it
        result["error"] = explain_query_error(exc, check.get("timeout"))
    result["duration_ms"] = round((time.time() - started) * 1000, 1)
    if rows is not None:
        result["rows"] = len(rows)
        passed, observed, error = evaluate(check["expect"], rows, columns)
        result.update(passed=bool(passed), observed=observed, error=error)
        if not passed and rows and ("rows" in check["expect"] or "no_rows" in check["expect"]):
            result["sample"] = json_safe(rows[:SAMPLE_ROWS])
    result["observed_text"] = observed_text(result)
    return result


def run_checks(server, checks):
    """Run prepared checks in order; a failing one does not stop the others."""
    return [run_check(server, check) for check in checks]


def summarize(results, target=None):
    """Counts and the one-line summary of a run.

    The counts are ``passed_count``/``failed_count``: a module result key
    ``failed`` is Ansible's own verdict, so a count there would fail the task.
    """
    failed = [result["name"] for result in results if not result["passed"]]
    passed = len(results) - len(failed)
    where = " on %s" % target if target else ""
    if not results:
        summary = "no SQL checks to run%s" % where
    elif failed:
        summary = "%d of %d SQL check%s failed%s: %s" % (len(failed), len(results), "" if len(results) == 1 else "s",
                                                         where, ", ".join(failed))
    else:
        summary = "all %d SQL check%s passed%s" % (len(results), "" if len(results) == 1 else "s", where)
    return dict(passed_count=passed, failed_count=len(failed), total=len(results), summary=summary)


def clip(text, width=CELL_WIDTH):
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 3] + "..."


def failed_checks_table(results):
    """Text table of the failed checks: name, expectation, observed."""
    rows = []
    for result in results:
        if not result.get("passed"):
            observed = result.get("observed_text") or observed_text(result)
            rows.append([result["name"], clip(result.get("expectation")), clip(observed)])
    return text_table(["CHECK", "EXPECTED", "OBSERVED"], rows)


def failure_message(results, target=None):
    """The module's msg when checks failed: the summary line, then the table of failed checks."""
    return "%s\n%s" % (summarize(results, target)["summary"], failed_checks_table(results))
