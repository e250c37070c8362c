#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# A baseline for tests/bench: a hook dispatcher written the way the guides
# write them (bash, a directory per domain and phase, scripts run in turn).
# Written for this benchmark; nothing here is vfiohook.
set -e
guest=$1 phase=$2 state=$3
base=$(dirname "$0")/dispatch.d
dir="$base/$guest/$phase/$state"
cat > /dev/null
if [ -d "$dir" ]; then
	for script in "$dir"/*; do
		[ -x "$script" ] && "$script" "$@"
	done
fi
exit 0
