// Package bytesize writes byte counts for people, the same way on the
// index page and in cctvctl.
//
// The units are binary, with IEC labels (1 KiB = 1024 B), as df -h, du -h
// and ls -lh count: an operator comparing cctvd's figures with theirs sees
// the same numbers.
package bytesize

import "fmt"

// Format is n bytes with one decimal in the largest binary unit that
// keeps the number at least 1: "512 B", "1.5 KiB", "4.1 GiB".
func Format[T int64 | uint64](n T) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 5 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[i])
}
