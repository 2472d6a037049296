#!/bin/sh
# Fetch Debian 13's apparmor_parser (4.1) and the glibc/libstdc++ it needs,
# unpacked under DIR, and write DIR/apparmor_parser: a wrapper that runs it
# with its own loader. The system's apt configuration and packages are not
# touched (a private sources list and cache under DIR). Then:
#
#   FMT_ORACLE_PARSER=DIR/apparmor_parser cargo test --test fmt_oracle
#
# Usage: scripts/fetch-apparmor-parser-4.sh [DIR]   (default: target/apparmor-4)
set -eu
dir=${1:-target/apparmor-4}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial" "$dir/apt/prefs.d" "$dir/debs" "$dir/root"
echo "deb http://deb.debian.org/debian trixie main" > "$dir/apt/sources.list"
: > "$dir/apt/status"
set -- \
  -o Dir::Etc::SourceList="$dir/apt/sources.list" \
  -o Dir::Etc::SourceParts=/dev/null \
  -o Dir::State::Lists="$dir/apt/lists" \
  -o Dir::State::status="$dir/apt/status" \
  -o Dir::Cache="$dir/apt/cache" \
  -o Dir::Etc::Preferences="$dir/apt/prefs" \
  -o Dir::Etc::PreferencesParts="$dir/apt/prefs.d" \
  -o APT::Sandbox::User=root
apt-get "$@" -qq update
(cd "$dir/debs" && apt-get "$@" -qq download apparmor libapparmor1 libc6 libstdc++6 libgcc-s1)
for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
lib="$dir/root/usr/lib/x86_64-linux-gnu"
cat > "$dir/apparmor_parser" <<WRAP
#!/bin/sh
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib" "$dir/root/usr/sbin/apparmor_parser" "\$@"
WRAP
chmod +x "$dir/apparmor_parser"
"$dir/apparmor_parser" --version | head -1
