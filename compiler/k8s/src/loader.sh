#!/bin/sh
# profilec profile loader: runs in the DaemonSet on every node.
#
#   loader.sh run     apply the profiles, then poll the mounted ConfigMap and
#                     apply again whenever its content hash changes
#   loader.sh apply   apply once (exit 1 when a profile failed to load)
#   loader.sh ready   the readiness probe: exit 0 only when the current
#                     ConfigMap is applied, every AppArmor profile is loaded
#                     and every seccomp file is in place
#
# Applying writes each AppArmor profile to /etc/apparmor.d/NAME and loads it
# with `apparmor_parser -r`, and writes each seccomp profile to
# SECCOMP_DIR/NAME.json (the kubelet reads Localhost seccomp profiles from
# its seccomp root). Profiles that an earlier round installed and the
# ConfigMap no longer has are unloaded and removed. When NODE_NAME and
# PROFILEC_LABEL_KEY are set, the node is labelled PROFILEC_LABEL_KEY=HASH
# after a clean round (and the label removed after a failed one), so pods
# can require nodes that hold their profiles.
#
# Everything is a parameter, so the same script runs in tests against a
# temporary root:
#   PROFILEC_CONFIG        the mounted ConfigMap (keys apparmor.NAME, seccomp.NAME.json)
#   PROFILEC_ROOT          prefix of every host path (empty in the cluster)
#   PROFILEC_APPARMOR_DIR  default /etc/apparmor.d
#   PROFILEC_SECCOMP_DIR   this set's directory under the kubelet seccomp root
#   PROFILEC_STATE         where the applied hash and per-profile status live
#   PROFILEC_PARSER        default apparmor_parser
#   PROFILEC_PARSER_FLAGS  extra flags (tests: -QK, compile without loading)
#   PROFILEC_SECURITYFS    default /sys/kernel/security
#   PROFILEC_CHECK_KERNEL  1: `ready` requires the kernel to list each profile
#   PROFILEC_INTERVAL      seconds between polls (default 10)
#   PROFILEC_LABEL_KEY     the node label (with NODE_NAME, from the downward API)
#   PROFILEC_SA_DIR        the ServiceAccount's token and CA (the default mount)
set -u
export LC_ALL=C

CONFIG=${PROFILEC_CONFIG:-/profilec/profiles}
ROOT=${PROFILEC_ROOT:-}
APPARMOR_DIR=$ROOT${PROFILEC_APPARMOR_DIR:-/etc/apparmor.d}
SECCOMP_DIR=$ROOT${PROFILEC_SECCOMP_DIR:-/var/lib/kubelet/seccomp/profilec}
STATE=${PROFILEC_STATE:-/tmp/profilec-state}
PARSER=${PROFILEC_PARSER:-apparmor_parser}
PARSER_FLAGS=${PROFILEC_PARSER_FLAGS:-}
SECURITYFS=$ROOT${PROFILEC_SECURITYFS:-/sys/kernel/security}
CHECK_KERNEL=${PROFILEC_CHECK_KERNEL:-1}
INTERVAL=${PROFILEC_INTERVAL:-10}
LABEL_KEY=${PROFILEC_LABEL_KEY:-}
# The record of the AppArmor profiles this set installed (for removal).
RECORD=$SECCOMP_DIR/.profilec-apparmor

log() {
    echo "profilec-loader: $*" >&2
}

# The content hash of the ConfigMap: the sha256 of the lines
# "<sha256 of the value>  <key>" for every key in byte order, cut to 32
# hex digits. profilec computes the same hash for the node label.
config_hash() {
    (
        cd "$CONFIG" || exit 1
        for f in *; do
            [ -f "$f" ] || continue
            sum=$(sha256sum < "$f") || exit 1
            printf '%s  %s\n' "${sum%% *}" "$f"
        done
    ) | sha256sum | cut -c1-32
}

same_content() {
    [ -f "$2" ] && [ "$(sha256sum < "$1")" = "$(sha256sum < "$2")" ]
}

# Replace $2 with the content of $1 atomically (temporary file + rename in
# the same directory), and only when it differs.
install_file() {
    same_content "$1" "$2" && return 0
    tmp=$(dirname "$2")/.profilec.$(basename "$2").tmp
    cat "$1" > "$tmp" && mv -f "$tmp" "$2"
}

label_node() {
    [ -n "${NODE_NAME:-}" ] && [ -n "$LABEL_KEY" ] || return 0
    sa=${PROFILEC_SA_DIR:-/var/run/secrets/kubernetes.io/serviceaccount}
    host=${KUBERNETES_SERVICE_HOST:-kubernetes.default.svc}
    case $host in *:*) host="[$host]" ;; esac
    if [ -n "$1" ]; then value="\"$1\""; else value=null; fi
    # The token goes through a file, not the command line (which `ps` shows).
    (umask 077 && printf 'Authorization: Bearer %s\n' "$(cat "$sa/token")" > "$STATE/auth") || return 1
    curl -sS --fail -o /dev/null --max-time 30 --cacert "$sa/ca.crt" \
        -H @"$STATE/auth" \
        -H "Content-Type: application/merge-patch+json" -X PATCH \
        --data "{\"metadata\":{\"labels\":{\"$LABEL_KEY\":$value}}}" \
        "https://$host:${KUBERNETES_SERVICE_PORT:-443}/api/v1/nodes/$NODE_NAME"
}

apply() {
    hash=$(config_hash) || { log "cannot read $CONFIG"; return 1; }
    mkdir -p "$STATE" "$APPARMOR_DIR" "$SECCOMP_DIR" || return 1
    status=$STATE/status.new
    : > "$status"
    failed=0
    names=
    for f in "$CONFIG"/apparmor.*; do
        [ -f "$f" ] || continue
        name=${f##*/apparmor.}
        names="$names$name
"
        dst=$APPARMOR_DIR/$name
        # shellcheck disable=SC2086 # the flags are words
        if install_file "$f" "$dst" && "$PARSER" $PARSER_FLAGS -r "$dst" 2> "$STATE/parser.err"; then
            echo "apparmor $name ok" >> "$status"
        else
            echo "apparmor $name failed" >> "$status"
            log "apparmor profile $name failed to load:"
            cat "$STATE/parser.err" >&2
            failed=1
        fi
    done
    for f in "$CONFIG"/seccomp.*; do
        [ -f "$f" ] || continue
        name=${f##*/seccomp.}
        if install_file "$f" "$SECCOMP_DIR/$name"; then
            echo "seccomp $name ok" >> "$status"
        else
            echo "seccomp $name failed" >> "$status"
            log "seccomp profile $name cannot be written"
            failed=1
        fi
    done
    # Unload and remove what an earlier round installed and is gone now.
    if [ -f "$RECORD" ]; then
        while IFS= read -r old; do
            [ -n "$old" ] || continue
            printf '%s' "$names" | grep -qxF -e "$old" && continue
            if [ -f "$APPARMOR_DIR/$old" ]; then
                # shellcheck disable=SC2086
                "$PARSER" $PARSER_FLAGS -R "$APPARMOR_DIR/$old" 2> /dev/null
                rm -f "$APPARMOR_DIR/$old"
                log "removed apparmor profile $old"
            fi
        done < "$RECORD"
    fi
    for f in "$SECCOMP_DIR"/*; do
        [ -f "$f" ] || continue
        [ -f "$CONFIG/seccomp.${f##*/}" ] && continue
        rm -f "$f"
        log "removed seccomp profile ${f##*/}"
    done
    printf '%s' "$names" > "$RECORD.new" && mv -f "$RECORD.new" "$RECORD"
    mv -f "$status" "$STATE/status"
    echo "$hash" > "$STATE/applied"
    if [ "$failed" = 0 ]; then
        label_node "$hash" && echo "$hash" > "$STATE/labelled"
        log "applied profile set $hash"
    else
        label_node "" && rm -f "$STATE/labelled"
        log "profile set $hash applied with failures"
    fi
    return "$failed"
}

ready() {
    applied=$(cat "$STATE/applied" 2> /dev/null) || { echo "not applied yet"; return 1; }
    current=$(config_hash) || { echo "cannot read $CONFIG"; return 1; }
    [ "$applied" = "$current" ] || { echo "profile set $current not applied yet"; return 1; }
    if grep -q ' failed$' "$STATE/status"; then
        grep ' failed$' "$STATE/status"
        return 1
    fi
    for f in "$CONFIG"/apparmor.*; do
        [ -f "$f" ] || continue
        name=${f##*/apparmor.}
        if [ "$CHECK_KERNEL" = 1 ]; then
            # Lines read "NAME (MODE)".
            sed 's/ ([a-z]*)$//' "$SECURITYFS/apparmor/profiles" 2> /dev/null | grep -qxF -e "$name" \
                || { echo "apparmor $name is not loaded"; return 1; }
        fi
    done
    for f in "$CONFIG"/seccomp.*; do
        [ -f "$f" ] || continue
        name=${f##*/seccomp.}
        same_content "$f" "$SECCOMP_DIR/$name" || { echo "seccomp $name is not in place"; return 1; }
    done
    echo "ready: profile set $current"
}

case ${1:-run} in
    apply) apply ;;
    ready) ready ;;
    run)
        while :; do
            current=$(config_hash)
            if [ "$current" != "$(cat "$STATE/applied" 2> /dev/null)" ]; then
                apply
            elif [ "$(cat "$STATE/status" 2> /dev/null | grep -c ' failed$')" = 0 ] \
                && [ "$current" != "$(cat "$STATE/labelled" 2> /dev/null)" ]; then
                # A label that could not be set last time: try again.
                label_node "$current" && echo "$current" > "$STATE/labelled"
            fi
            sleep "$INTERVAL"
        done
        ;;
    *)
        echo "usage: loader.sh run|apply|ready" >&2
        exit 2
        ;;
esac
