package main

import (
	"context"
	"testing"
	"time"
)

func TestWaitPastMidnight(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	cet := time.FixedZone("CET", 3600)
	tests := []struct {
		name     string
		now      time.Time
		wantWait bool // a wait is cut short by the cancelled context
	}{
		{name: "noon", now: time.Date(2026, 11, 25, 12, 0, 0, 0, cet)},
		{name: "an hour before midnight", now: time.Date(2026, 11, 25, 23, 0, 0, 0, cet)},
		{name: "four minutes before midnight", now: time.Date(2026, 11, 25, 23, 56, 0, 0, cet), wantWait: true},
		{name: "a second before midnight", now: time.Date(2026, 11, 25, 23, 59, 59, 0, cet), wantWait: true},
		{name: "just past midnight", now: time.Date(2026, 11, 26, 0, 0, 1, 0, cet)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := waitPastMidnight(cancelled, tt.now, 6*time.Minute)
			if waited := err != nil; waited != tt.wantWait {
				t.Errorf("waited %v (err %v), want %v", waited, err, tt.wantWait)
			}
		})
	}
}
