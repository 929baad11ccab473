# Runs inside the test kernel's guest (busybox sh), from /host; run.sh
# puts the path of pgsort on the first line (PGSORT=...) and checks what
# this leaves in /host. For each live file X (page_owner and the three
# page_owner_stacks/show_* files):
#   X.A1, X.A2  two dd copies in a row (4 KiB reads, as the kernel wants),
#   X.T0        /proc/uptime just before X.A2 began,
#   X.live.json pgsort reading the live file itself (.rc, .err),
#   X.B         a dd copy just after,
#   X.copy.json pgsort reading the copy X.A2 (.rc).
# pipe.*: the same, with pgsort reading `cat page_owner |`.
# threshold.*: pgsort on count_threshold, which is not input.
# example1.*, example2.*: the documentation's examples on the live files.
set -u
D=/sys/kernel/debug
# Writes to /host go over 9p: 4 KiB of them would take a minute per copy.
copy() { dd if="$1" of="$2" ibs=4096 obs=1048576 2>/dev/null; }
# Let the boot's work settle: no page cache churn from it during the reads.
sync
echo 3 >/proc/sys/vm/drop_caches
sleep 2
for f in page_owner page_owner_stacks/show_stacks page_owner_stacks/show_handles \
	page_owner_stacks/show_stacks_handles pipe; do
	x=${f##*/}
	src=$D/$f
	[ "$x" = pipe ] && src=$D/page_owner
	case $x in
	page_owner | pipe) cull=pfn,at,name ;;
	show_stacks) cull=stack ;;
	*) cull=handle ;;
	esac
	copy "$src" "$x.A1" || echo "dd of $src failed" >>failures
	cut -d' ' -f1 /proc/uptime >"$x.T0"
	copy "$src" "$x.A2" || echo "dd of $src failed" >>failures
	if [ "$x" = pipe ]; then
		cat "$src" | "$PGSORT" - --cull=$cull --format=json >"$x.live.json" 2>"$x.live.err"
	else
		"$PGSORT" "$src" --cull=$cull --format=json >"$x.live.json" 2>"$x.live.err"
	fi
	echo $? >"$x.live.rc"
	copy "$src" "$x.B" || echo "dd of $src failed" >>failures
	"$PGSORT" "$x.A2" --cull=$cull --format=json >"$x.copy.json" 2>"$x.copy.err"
	echo $? >"$x.copy.rc"
done
"$PGSORT" $D/page_owner_stacks/count_threshold >threshold.out 2>threshold.err
echo $? >threshold.rc
# The examples of README.md and pgsort(1), as given.
"$PGSORT" /sys/kernel/debug/page_owner --cull=st --sort=-m >example1.out 2>example1.err
echo $? >example1.rc
"$PGSORT" /sys/kernel/debug/page_owner_stacks/show_stacks -m >example2.out 2>example2.err
echo $? >example2.rc
exit 0
