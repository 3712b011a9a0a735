package ts

import (
	"cmp"
	"strings"
)

// NaturalLess orders names as people count: seg9.ts before seg10.ts, and
// seg01.ts beside seg1.ts.
func NaturalLess(a, b string) bool {
	if c := naturalCompare(a, b); c != 0 {
		return c < 0
	}
	return a < b
}

func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := isDigit(a[0]), isDigit(b[0])
		var ca, cb string
		ca, a = chunk(a, da)
		cb, b = chunk(b, db)
		switch {
		case da && db:
			ta, tb := strings.TrimLeft(ca, "0"), strings.TrimLeft(cb, "0")
			if len(ta) != len(tb) {
				return cmp.Compare(len(ta), len(tb))
			}
			if c := strings.Compare(ta, tb); c != 0 {
				return c
			}
		default:
			if c := strings.Compare(ca, cb); c != 0 {
				return c
			}
		}
	}
	return cmp.Compare(len(a), len(b))
}

func chunk(s string, digits bool) (string, string) {
	i := 0
	for i < len(s) && isDigit(s[i]) == digits {
		i++
	}
	return s[:i], s[i:]
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
