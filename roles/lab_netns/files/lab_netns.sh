#!/usr/bin/env bash
# drkit.mysql lab_netns: the network of the SSH lab (one network namespace per lab host).
# Idempotent: every subcommand prints "changed" when it changed something, nothing otherwise.
#
#   lab_netns.sh hub     HUB BRIDGE HUB_CIDR                create the hub namespace and its bridge
#   lab_netns.sh host    HUB BRIDGE NS VETH CIDR            create a host namespace wired to the bridge
#   lab_netns.sh sshd    NS CONFIG PIDFILE LOG              start sshd in NS (when not running)
#   lab_netns.sh sshd-stop PIDFILE CONFIG                   stop that sshd
#   lab_netns.sh link    HUB VETH up|down                   take a host's link up or down (partition)
#   lab_netns.sh delete  NS...                              delete namespaces (only the ones named)
set -euo pipefail

ns_exists() { ip netns list | awk '{print $1}' | grep -qx -- "$1"; }

# The pid in PIDFILE when it is an sshd started with CONFIG, else nothing.
sshd_pid() {
    local pidfile=$1 config=$2 pid
    [ -r "$pidfile" ] || return 0
    pid=$(tr -dc '0-9' <"$pidfile")
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 0
    if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$config"; then
        echo "$pid"
    fi
}

cmd=$1
shift
case $cmd in
hub)
    hub=$1 bridge=$2 cidr=$3
    if ! ns_exists "$hub"; then ip netns add "$hub"; echo changed; fi
    if ! ip -n "$hub" link show "$bridge" >/dev/null 2>&1; then
        ip -n "$hub" link add "$bridge" type bridge
        echo changed
    fi
    if ! ip -n "$hub" -br addr show dev "$bridge" | grep -qF -- " ${cidr}"; then
        ip -n "$hub" addr add "$cidr" dev "$bridge"
        echo changed
    fi
    for dev in lo "$bridge"; do
        if ! ip -n "$hub" link show "$dev" | grep -q '[<,]UP[,>]'; then
            ip -n "$hub" link set "$dev" up
            echo changed
        fi
    done
    ;;
host)
    hub=$1 bridge=$2 ns=$3 veth=$4 cidr=$5
    if ! ns_exists "$ns"; then ip netns add "$ns"; echo changed; fi
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
        # Both ends are made in the hub, then one end moves into the host's namespace as eth0:
        # nothing of the lab ever appears in the root namespace.
        ip -n "$hub" link del "$veth" >/dev/null 2>&1 || true
        ip -n "$hub" link add "$veth" type veth peer name "${veth}p"
        ip -n "$hub" link set "${veth}p" netns "$ns"
        ip -n "$ns" link set "${veth}p" name eth0
        ip -n "$hub" link set "$veth" master "$bridge" up
        echo changed
    fi
    if ! ip -n "$ns" -br addr show dev eth0 | grep -qF -- " ${cidr}"; then
        ip -n "$ns" addr add "$cidr" dev eth0
        echo changed
    fi
    for dev in lo eth0; do
        if ! ip -n "$ns" link show "$dev" | grep -q '[<,]UP[,>]'; then
            ip -n "$ns" link set "$dev" up
            echo changed
        fi
    done
    ;;
sshd)
    ns=$1 config=$2 pidfile=$3 log=$4
    mkdir -p /run/sshd
    chmod 0755 /run/sshd
    if [ -z "$(sshd_pid "$pidfile" "$config")" ]; then
        /usr/sbin/sshd -t -f "$config"
        ip netns exec "$ns" /usr/sbin/sshd -f "$config" -E "$log"
        for _ in $(seq 50); do
            [ -n "$(sshd_pid "$pidfile" "$config")" ] && break
            sleep 0.1
        done
        [ -n "$(sshd_pid "$pidfile" "$config")" ] || { echo "sshd in $ns did not start" >&2; exit 1; }
        echo changed
    fi
    ;;
sshd-stop)
    pidfile=$1 config=$2
    pid=$(sshd_pid "$pidfile" "$config")
    if [ -n "$pid" ]; then
        kill "$pid"
        for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        [ -d "/proc/$pid" ] && kill -9 "$pid"
        rm -f "$pidfile"
        echo changed
    fi
    ;;
link)
    hub=$1 veth=$2 state=$3
    if [ "$state" = down ]; then
        if ip -n "$hub" link show "$veth" | grep -q '[<,]UP[,>]'; then
            ip -n "$hub" link set "$veth" down
            echo changed
        fi
    else
        if ! ip -n "$hub" link show "$veth" | grep -q '[<,]UP[,>]'; then
            ip -n "$hub" link set "$veth" up
            echo changed
        fi
    fi
    ;;
delete)
    for ns in "$@"; do
        if ns_exists "$ns"; then
            # Whatever still runs inside (a server the lab did not stop) goes with its namespace.
            pids=$(ip netns pids "$ns" || true)
            [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
            ip netns del "$ns"
            echo changed
        fi
    done
    ;;
*)
    echo "unknown subcommand $cmd" >&2
    exit 2
    ;;
esac
