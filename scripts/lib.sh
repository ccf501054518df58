# SPDX-License-Identifier: GPL-2.0
# Shared helpers for kasync's scripts.  Source it; do not run it.

KASYNC_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KASYNC_CACHE=${KASYNC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kasync}

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "$(basename "$0"): $*" >&2; }

# need_pkgs PKG...: install the Debian packages that are missing.
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages (run as root or install): ${missing[*]}"
	say "installing ${missing[*]}"
	local stamp=/var/lib/apt/periodic/kasync-update-stamp
	if [ ! -e "$stamp" ] || ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null ||
			die "apt-get update failed"
		mkdir -p "$(dirname "$stamp")" && touch "$stamp"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}" >/dev/null ||
			die "apt-get install ${missing[*]} failed"
	fi
}

# kernel_src_pkg_version SERIES: version of linux-source-SERIES, installing it.
kernel_src_version() {
	need_pkgs "linux-source-$1"
	dpkg-query -W -f='${Version}' "linux-source-$1"
}
