# Sourced by the CLI test scripts. VALGRIND (meson test --setup valgrind sets
# it) is a valgrind command line to put in front of every pgsort they run.
#
# vg_wrap DIR PGSORT: prints the path of a wrapper (in DIR) to run instead of
# PGSORT; it execs valgrind (so signals sent to it reach pgsort) with the
# report in DIR/vg.PID, never on the stderr that the tests compare.
# vg_check DIR: prints and removes the reports; returns 1 if one shows a
# memory error, or a leak in a process that exited by itself. A process
# killed by a signal (SIGTERM, SIGPIPE) dies holding its memory: that is not
# a leak, but its memory errors still count.
vg_wrap() {
	printf '#!/bin/sh\nexec %s --log-file=%s/vg.%%p "%s" "$@"\n' "$VALGRIND" "$1" "$2" >"$1/pgsort-vg"
	chmod +x "$1/pgsort-vg"
	echo "$1/pgsort-vg"
}

vg_check() {
	local f bad=0
	for f in "$1"/vg.*; do
		[ -e "$f" ] || continue
		if grep -q 'Process terminating with default action of signal' "$f"; then
			grep -qE 'Invalid (read|write|free)|uninitialised|Mismatched free|overlap|Syscall param|Jump to' "$f" ||
				{ rm -f "$f"; continue; }
		elif ! grep -q 'ERROR SUMMARY: [1-9]' "$f"; then
			rm -f "$f"
			continue
		fi
		bad=1
		echo "valgrind: $(sed -n 's/^==[0-9]*== Command: //p' "$f")"
		grep -v '^==[0-9]*== *$' "$f" | sed -n '/Parent PID/,$p' | head -60
		rm -f "$f"
	done
	return $bad
}
