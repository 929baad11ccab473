# Runs inside the test kernel's guest (busybox sh), from /host; record-run.sh
# puts PGSORT=... on the first line and checks what this leaves in /host.
# For each case N (a line of cases: name, then the kernel's tokens, then
# pgsort record's options):
#   N.A    the kernel's own per-fd filter: tokens written to an fd of
#          page_owner, then dd of that fd (before pgsort reads)
#   N.zst  pgsort record with the options (the kernel selects)
#   N.u.zst pgsort record --no-kernel-filter (the full dump, selected here)
#   N.B    the kernel's per-fd filter again, just after both
# with .rc and .err of each pgsort; stacks.txt: show_stacks_handles after.
set -u
D=/sys/kernel/debug
sync
echo 3 >/proc/sys/vm/drop_caches
sleep 2
kread() { # TOKENS OUT
	(
		exec 3<>$D/page_owner
		[ -z "$1" ] || echo "$1" >&3 || echo "write '$1' refused" >>failures
		dd bs=1M iflag=fullblock of="$2" <&3 2>/dev/null
	)
}
start=$(cut -d' ' -f1 /proc/uptime)
while read -r name tokens opts; do
	[ "$tokens" = - ] && tokens=
	tokens=$(echo "$tokens" | tr + " ")
	kread "$tokens" $name.A
	"$PGSORT" record $opts -o $name.zst 2>$name.err
	echo $? >$name.rc
	"$PGSORT" record $opts --no-kernel-filter -o $name.u.zst 2>$name.u.err
	echo $? >$name.u.rc
	kread "$tokens" $name.B
	# pgsort reads its snapshots back (handles resolved by their dictionary).
	"$PGSORT" $name.zst -d --cull=st --format=json >$name.json 2>$name.json.err
	echo $? >$name.json.rc
done <<'EOT'
all - --mode=stack
handle mode=handle --mode=handle
sthandle mode=stack_handle --mode=stack_handle
node1 nid=1 --node=1
node0 nid=0 --node=0
pid1 pid=1 --pid=1
tgid1 tgid=1,2 --tgid=1,2
mix mode=handle+nid=0+tgid=1 --mode=handle --node=0 --tgid=1
EOT
cat $D/page_owner_stacks/show_stacks_handles >stacks.txt
# A node without memory: the kernel refuses nid=5; pgsort selects itself.
"$PGSORT" record --node=5 -o refused.zst 2>refused.err
echo $? >refused.rc
# -o - through a pipe.
"$PGSORT" record --node=1 -o - 2>pipe.err | cat >pipe.zst
echo $? >pipe.rc
# Sampling show_handles every second while a leaker grows a tmpfs file by
# 40 MiB (10240 pages), from the third second; stopped by SIGINT.
"$PGSORT" record --every 1s -o leak.series 2>leak.err &
rpid=$!
sleep 3
i=0
while [ $i -lt 20 ]; do
	dd if=/dev/zero bs=1M count=2 >>/tmp/leak 2>/dev/null
	sleep 0.2
	i=$((i + 1))
done
sleep 2
kill -INT $rpid
wait $rpid
echo $? >leak.rc
ls -l /tmp/leak >leak.size
# -o - through a pipe.
"$PGSORT" record --every 1s --count 2 -o - 2>spipe.err | cat >spipe.series
echo $? >spipe.rc
# pgsort top --batch, three refreshes, with show_handles copied just before
# and just after.
dd if=$D/page_owner_stacks/show_handles of=top.A ibs=4096 obs=1048576 2>/dev/null
"$PGSORT" top --batch --every 1s --count 3 --top 5 >top.out 2>top.err
echo $? >top.rc
dd if=$D/page_owner_stacks/show_handles of=top.B ibs=4096 obs=1048576 2>/dev/null
# pgsort top --source page_owner --cull=pid,name (keys of each block, read
# from the full dump), with page_owner copied just before and just after.
dd if=$D/page_owner of=topc.A ibs=4096 obs=1048576 2>/dev/null
"$PGSORT" top --batch --source page_owner --cull=pid,name --every 1s --count 2 --top 5 \
	>topc.out 2>topc.err
echo $? >topc.rc
dd if=$D/page_owner of=topc.B ibs=4096 obs=1048576 2>/dev/null
end=$(cut -d' ' -f1 /proc/uptime)
echo "$start $end" >uptime.txt
exit 0
