package day

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Date
		ok   bool
	}{
		{name: "plain", in: "2026-11-25", want: Date{2026, time.November, 25}, ok: true},
		{name: "leap day", in: "2024-02-29", want: Date{2024, time.February, 29}, ok: true},
		{name: "not a leap year", in: "2025-02-29"},
		{name: "month 13", in: "2024-13-45"},
		{name: "unpadded", in: "2024-2-3"},
		{name: "traversal", in: "../etc/pa"},
		{name: "empty", in: ""},
		{name: "long", in: strings.Repeat("2", 3000)},
		{name: "trailing", in: "2026-11-25/"},
		{name: "nul", in: "2026-11-2\x00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if !tt.ok {
				if !errors.Is(err, ErrBadDate) {
					t.Fatalf("Parse(%q) err = %v, want ErrBadDate", tt.in, err)
				}
				if len(err.Error()) > 100 {
					t.Errorf("error too long: %d bytes", len(err.Error()))
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

func TestArithmetic(t *testing.T) {
	d := Date{2026, time.December, 31}
	if got := d.Next().String(); got != "2027-01-01" {
		t.Errorf("Next = %s", got)
	}
	if got := d.AddDays(-365).String(); got != "2025-12-31" {
		t.Errorf("AddDays(-365) = %s", got)
	}
	if !d.Before(d.Next()) || d.Next().Before(d) || d.Compare(d) != 0 {
		t.Error("ordering is wrong")
	}
	// A DST change makes a day 23 or 25 hours long; End must still be the next midnight.
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	spring := Date{2026, time.March, 29}
	if h := spring.End(loc).Sub(spring.Start(loc)); h != 23*time.Hour {
		t.Errorf("spring-forward day is %v long, want 23h", h)
	}
}
