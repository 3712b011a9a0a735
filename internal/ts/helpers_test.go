package ts

import (
	"io"
	"slices"
)

var errorsEOF = io.EOF

func sortNatural(s []string) {
	slices.SortFunc(s, func(a, b string) int { return naturalCompare(a, b) })
}
