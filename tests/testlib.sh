# Sourced by the shell tests: check DESCRIPTION COMMAND... runs COMMAND,
# counts it as passed or failed, and names the failures; finish prints the
# closing line and returns non-zero if anything failed.
pass=0 fail=0
check() {
	local what=$1
	shift
	if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $what"; fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ $fail = 0 ]
}
