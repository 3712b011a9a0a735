package ctl

import "testing"

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"seg1.ts", "seg1.ts"},
		{"2 kept; error: x …", "2 kept; error: x …"},
		{"évènement.ts", "évènement.ts"},
		{"\x1b[2Jseg.ts", `\x1b[2Jseg.ts`},
		{"a\tb", `a\tb`},
	}
	for _, tt := range tests {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestBytesText(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {1536 << 10, "1.5 MiB"}, {4400 << 20, "4.3 GiB"}, {3 << 40, "3.0 TiB"},
	}
	for _, tt := range tests {
		if got := bytesText(tt.in); got != tt.want {
			t.Errorf("bytesText(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
