package bytesize

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   int64
		want string
	}{
		{name: "zero", in: 0, want: "0 B"},
		{name: "below a KiB", in: 1023, want: "1023 B"},
		{name: "a KiB", in: 1024, want: "1.0 KiB"},
		{name: "a decimal kB is bytes", in: 1000, want: "1000 B"},
		{name: "MiB", in: 1536 << 10, want: "1.5 MiB"},
		{name: "rounds to one decimal", in: 4400 << 20, want: "4.3 GiB"},
		{name: "a day of segments", in: 3_210_000_000, want: "3.0 GiB"},
		{name: "TiB", in: 3 << 40, want: "3.0 TiB"},
		{name: "PiB", in: 5e15, want: "4.4 PiB"},
		{name: "largest", in: math.MaxInt64, want: "8.0 EiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Format(tc.in); got != tc.want {
				t.Errorf("Format(%d) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if got, want := Format(uint64(math.MaxUint64)), "16.0 EiB"; got != want {
		t.Errorf("Format(MaxUint64) = %q, want %q", got, want)
	}
}
