# One line per page_owner block, fields separated by \037 (comms hold tabs), read straight from the
# text with awk's own regexes: an independent second reading of the fields
# pgsort's keys group by (tests/keys/check.py compares the two).
# Columns: pages order gfp mt bmt pfn node zone flags memcg mr handle
#          module callsite stack stack_strip pid name ts
# A missing value is "\N". Frames in stack are joined with ";".
BEGIN {
	FS = "\n"; OFS = "\037"
	skip = "^(post_alloc_hook|prep_new_page|get_page_from_freelist|_*alloc_pages.*|_*folio_alloc.*|_*alloc_frozen_pages.*|_*get_free_pages.*|_*get_zeroed_page.*|vma_alloc_folio.*|alloc_page_interleave|__alloc_pages_slowpath.*)$"
}
function flush() {
	if (!inblk)
		return
	print 2 ^ order, order, gfp, mt, bmt, pfn, node, zone, flags, memcg, mr, handle,
	      (nfr ? (module == "" ? "vmlinux" : module) : "\\N"),
	      (cs == "" ? "\\N" : cs), (nfr ? stack : "\\N"), (nfr ? sstack : "\\N"),
	      pid, name, ts
	inblk = 0
}
function hex2dec(h,    i, c, v) {
	v = 0
	h = tolower(h)
	sub(/^0x/, "", h)
	for (i = 1; i <= length(h); i++) {
		c = index("0123456789abcdef", substr(h, i, 1)) - 1
		v = v * 16 + c
	}
	return v
}
/^Page allocated via order / {
	flush()
	inblk = 1
	order = $0; sub(/^Page allocated via order /, "", order); sub(/,.*/, "", order)
	m = $0; sub(/.*, mask /, "", m); gfp = m; sub(/\(.*/, "", gfp); gfp = sprintf("%d", hex2dec(gfp))
	pid = $0; sub(/.*, pid /, "", pid); sub(/,.*/, "", pid)
	name = $0; sub(/.*, tgid [0-9]+ \(/, "", name); sub(/\), ts [0-9]+ ns.*$/, "", name)
	ts = $0; sub(/.*, ts /, "", ts); sub(/ ns.*/, "", ts)
	mt = bmt = pfn = node = zone = flags = memcg = mr = handle = "\\N"
	module = cs = stack = sstack = ""
	nfr = 0
	next
}
!inblk { next }
/^PFN / {
	n = split($0, w, " ")
	pfn = sprintf("%d", hex2dec(w[2]))
	mt = w[4]; bmt = w[8]
	f = $0; sub(/.*Flags 0x[0-9a-f]+\(/, "", f); sub(/\)$/, "", f)
	node = zone = "\\N"
	k = split(f, parts, "|"); flags = ""
	for (i = 1; i <= k; i++) {
		if (parts[i] ~ /^node=/) { node = substr(parts[i], 6); continue }
		if (parts[i] ~ /^zone=/) { zone = substr(parts[i], 6); continue }
		if (parts[i] ~ /=/) continue
		flags = flags (flags == "" ? "" : "|") parts[i]
	}
	next
}
/^ / {
	fr = substr($0, 2)
	sym = fr; sub(/\+0x[0-9a-f]+\/0x[0-9a-f]+/, "", sym)
	bare = sym; sub(/ \[.*\]$/, "", bare)
	if (module == "" && fr ~ / \[[^]]+\]$/) {
		module = fr; sub(/.* \[/, "", module); sub(/\]$/, "", module)
	}
	if (cs == "" && bare !~ skip)
		cs = fr
	stack = stack (nfr ? ";" : "") fr
	sstack = sstack (nfr ? ";" : "") sym
	nfr++
	next
}
/^Page has been migrated, last migrate reason: / { mr = $0; sub(/.*reason: /, "", mr); next }
/^Charged / { memcg = $0; sub(/^Charged (\(via objcg\) )?to (offline |offlined )?memcg /, "", memcg); next }
/^handle: / { handle = substr($0, 9); next }
/^$/ { flush() }
END { flush() }
