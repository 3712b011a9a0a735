package control

import (
	"testing"
	"time"
)

func TestTimeProto(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		set  bool
	}{
		{name: "zero", in: time.Time{}},
		{name: "a camera's time", in: time.Date(2026, 11, 29, 13, 30, 42, 153192286, time.UTC), set: true},
		{name: "the end of 9999-12-31 (its due time)", in: time.Date(10000, 1, 2, 0, 0, 0, 0, time.UTC)},
		{name: "before year 1", in: time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := timeProto(tt.in)
			if (got != nil) != tt.set {
				t.Fatalf("timeProto(%v) = %v, want set %v", tt.in, got, tt.set)
			}
			if got != nil && !got.AsTime().Equal(tt.in) {
				t.Errorf("timeProto(%v) = %v", tt.in, got.AsTime())
			}
		})
	}
}
