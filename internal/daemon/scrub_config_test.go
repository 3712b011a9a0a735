package daemon

import "testing"

// --scrub-rate reads what people write and prints it back the same way,
// so that --print-config round-trips.
func TestRateFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		printed string
		bad     bool
	}{
		{in: "20MiB", want: 20 << 20, printed: "20MiB"},
		{in: "20MiB/s", want: 20 << 20, printed: "20MiB"},
		{in: "512KiB", want: 512 << 10, printed: "512KiB"},
		{in: "1GiB", want: 1 << 30, printed: "1GiB"},
		{in: "1.5MiB", want: 3 << 19, printed: "1536KiB"},
		{in: "1000", want: 1000, printed: "1000"},
		{in: "0", want: 0, printed: "0"},
		{in: "12x", bad: true},
		{in: "-1MiB", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			var r rateFlag
			err := r.Set(tt.in)
			if tt.bad {
				if err == nil {
					t.Errorf("Set(%q) = %d, want an error", tt.in, r)
				}
				return
			}
			if err != nil || int64(r) != tt.want || r.String() != tt.printed {
				t.Errorf("Set(%q): %d %q (%v), want %d %q", tt.in, r, r.String(), err, tt.want, tt.printed)
			}
		})
	}
}
