#!/bin/sh
# drkit.mysql binlog archive streamer, installed by the drkit.mysql.binlog_archive role.
#
#   drkit-binlog-archive.sh CONF               stream until the connection ends (systemd restarts it)
#   drkit-binlog-archive.sh --supervise CONF   restart the stream whenever it ends (hosts without systemd)
#
# CONF (mode 0600) sets ARCHIVE_DIR, OPTION_FILE, BINLOG_BINARY, CLIENT_BINARY, DUMP_SERVER_ID and
# RETRY_SECONDS. The credentials and the source's address are only in OPTION_FILE, passed to the client
# tools as --defaults-extra-file: nothing secret is on a command line.
#
# Files land in ARCHIVE_DIR/server-<source server_id>/ under the source's binlog names; ARCHIVE_DIR/current
# points at the source being streamed. A (re)start resumes at the newest archived file (mariadb-binlog --raw
# rewrites it from its start), or begins at the first binlog the source still has.
set -u
supervise=false
if [ "${1:-}" = "--supervise" ]; then
  supervise=true
  shift
fi
conf=${1:?usage: drkit-binlog-archive.sh [--supervise] CONF}
# shellcheck disable=SC1090
. "$conf"
umask 077
child=""
stopping=0

log() {
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) drkit-binlog-archive[$$]: $*"
}

newest_archived() {
  # The highest-numbered binlog file of a directory (names are BASE.NNNNNN).
  ls -1 "$1" 2>/dev/null | grep -E '\.[0-9]{6,}$' | awk -F. '{ print $NF "\t" $0 }' | sort -n | tail -n 1 | cut -f2
}

stream() {
  server_id=$("$CLIENT_BINARY" --defaults-extra-file="$OPTION_FILE" -N -B -e 'SELECT @@server_id') || {
    log "cannot reach the source (see the error above); retrying"
    return 1
  }
  dir="$ARCHIVE_DIR/server-$server_id"
  mkdir -p "$dir" && chmod 0700 "$dir" || return 1
  ln -sfn "server-$server_id" "$ARCHIVE_DIR/.current.new" && mv -Tf "$ARCHIVE_DIR/.current.new" "$ARCHIVE_DIR/current" \
    || return 1
  start=$(newest_archived "$dir")
  if [ -z "$start" ]; then
    start=$("$CLIENT_BINARY" --defaults-extra-file="$OPTION_FILE" -N -B -e 'SHOW BINARY LOGS' | head -n 1 | cut -f1)
    if [ -z "$start" ]; then
      log "the source (server_id $server_id) lists no binary logs: is log_bin on, and may the account run SHOW BINARY LOGS (BINLOG MONITOR)?"
      return 1
    fi
    log "archiving server_id $server_id from its first binlog $start into $dir"
  else
    log "resuming the archive of server_id $server_id at $start"
  fi
  set -- "$BINLOG_BINARY" --defaults-extra-file="$OPTION_FILE" --read-from-remote-server --raw --stop-never \
    --stop-never-slave-server-id="$DUMP_SERVER_ID" --result-file="$dir/" "$start"
  if ! $supervise; then
    exec "$@"
  fi
  "$@" &
  child=$!
  wait "$child"
  rc=$?
  if [ "$stopping" = 1 ]; then
    wait "$child" 2>/dev/null  # the trap interrupted the first wait: leave only once the stream has ended
  fi
  child=""
  return $rc
}

if ! $supervise; then
  stream
  exit 1
fi

trap 'stopping=1; [ -n "$child" ] && kill "$child" 2>/dev/null' TERM INT HUP
log "supervising the stream (restart after ${RETRY_SECONDS}s)"
while [ "$stopping" = 0 ]; do
  stream
  rc=$?
  [ "$stopping" = 0 ] || break
  log "the stream ended (rc=$rc); restarting in ${RETRY_SECONDS}s"
  sleep "$RETRY_SECONDS" &
  child=$!
  wait "$child"
  child=""
done
log "stopped"
