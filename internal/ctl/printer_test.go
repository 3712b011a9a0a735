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
