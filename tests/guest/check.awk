# Helpers for run.sh (mawk and gawk alike).
#
# mode=copy (a dd copy of a live file): one line per record,
#   page_owner: "pfn ts pages name"; show_*: "handle pages" (handle "-" when the
#   file has none); then a last line "total RECORDS PAGES".
# mode=json (pgsort --format=json): the same from its groups (culled by
#   pfn,at,name or by handle or stack: one group per record); then "input RECORDS PAGES" from its
#   input object.

function hex(s,   i, n) {
	n = 0
	s = tolower(s)
	sub(/^0x/, "", s)
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
function num(line, key,   v) {
	if (!match(line, "\"" key "\": -?[0-9]+"))
		return ""
	v = substr(line, RSTART, RLENGTH)
	sub(/.*: /, "", v)
	return v
}
function str(line, key,   v) {
	if (!match(line, "\"" key "\": \"[^\"]*\""))
		return ""
	v = substr(line, RSTART, RLENGTH)
	sub(/^[^:]*: "/, "", v)
	sub(/"$/, "", v)
	return v
}

mode == "copy" && /^Page allocated via order / {
	order = $5
	sub(/,/, "", order)
	pages = 1
	while (order-- > 0)
		pages *= 2
	ts = ""
	for (i = 1; i < NF; i++)
		if ($i == "ts")
			ts = $(i + 1)
	name = "-"
	if (match($0, /tgid [0-9]+ \(.*\), ts /)) {
		name = substr($0, RSTART, RLENGTH)
		sub(/^tgid [0-9]+ \(/, "", name)
		sub(/\), ts $/, "", name)
	}
	block = 1
	next
}
mode == "copy" && block && /^PFN / {
	printf "%.0f %s %d %s\n", ($2 ~ /^0x/ ? hex($2) : $2 + 0), ts, pages, name
	records++
	total += pages
	block = 0
	next
}
mode == "copy" && /^handle: / { handle = $2 }
mode == "copy" && /^nr_base_pages: / {
	print (handle == "" ? "-" : handle), $2
	records++
	total += $2
	handle = ""
}
mode == "copy" && /^$/ && handle != "" {
	# show_stacks_handles: a record without nr_base_pages.
	print handle, 0
	records++
	handle = ""
}

mode == "json" && /^\{"pgsort"/ {
	in_records = num($0, "records")
	in_pages = num($0, "pages")
}
mode == "json" && /^\{"(times|stacks)"/ {
	if (num($0, "pfn") != "")
		print num($0, "pfn"), num($0, "alloc_ts"), num($0, "pages"), str($0, "name")
	else
		print (num($0, "handle") == "" ? "-" : num($0, "handle")), num($0, "pages")
}

END {
	if (mode == "copy")
		printf "total %d %.0f\n", records, total
	else
		printf "input %d %d\n", in_records, in_pages
}
