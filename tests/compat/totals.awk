# totals.awk: independent totals of a page_owner dump.
#
#   awk -f totals.awk page_owner.txt
#
# prints two lines:
#   records N    number of lines starting "Page allocated via order "
#   pages M      sum of 2^order over those lines
#
# It knows nothing about pgsort or page_owner_sort; compare.py uses it to
# check that the "times" and "pages" of all groups add up to these numbers.
# Written for POSIX awk (works with mawk, gawk and busybox awk).

BEGIN { records = 0; pages = 0 }

/^Page allocated via order / {
	s = substr($0, length("Page allocated via order ") + 1)
	# the order is the run of digits up to the comma
	if (match(s, /^[0-9]+,/)) {
		order = substr(s, 1, RLENGTH - 1) + 0
		pages += 2 ^ order
	} else {
		bad++
	}
	records++
}

END {
	printf "records %d\n", records
	printf "pages %.0f\n", pages
	if (bad > 0) {
		printf "totals.awk: %d record header(s) without a readable order\n", bad > "/dev/stderr"
		exit 1
	}
}
