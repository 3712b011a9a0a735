package export

import (
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the DST cases need Europe/Berlin wherever the tests run
)

// rangeCases drive TestParseRange and seed FuzzParseRange.
var rangeCases = []struct {
	name       string
	start, end string
	want       Range // in Europe/Berlin
	err        error
	msg        string
}{
	{name: "local start and end", start: "2026-11-20T10:32:00", end: "2026-11-20T10:47:00",
		want: Range{berlin(2026, 11, 20, 10, 32, 0, 0), berlin(2026, 11, 20, 10, 47, 0, 0)}},
	{name: "fractions", start: "2026-11-20T10:32:00.250", end: "2026-11-20T10:32:01.5",
		want: Range{berlin(2026, 11, 20, 10, 32, 0, 250e6), berlin(2026, 11, 20, 10, 32, 1, 500e6)}},
	{name: "minutes, as a browser sends them", start: "2026-11-20T10:32", end: "2026-11-20T10:47",
		want: Range{berlin(2026, 11, 20, 10, 32, 0, 0), berlin(2026, 11, 20, 10, 47, 0, 0)}},
	{name: "RFC 3339 with Z", start: "2026-11-20T09:32:00Z", end: "15m",
		want: Range{berlin(2026, 11, 20, 10, 32, 0, 0), berlin(2026, 11, 20, 10, 47, 0, 0)}},
	{name: "RFC 3339 with offset and seconds", start: "2026-11-20T10:32:00+01:00", end: "90",
		want: Range{berlin(2026, 11, 20, 10, 32, 0, 0), berlin(2026, 11, 20, 10, 33, 30, 0)}},
	{name: "across midnight", start: "2026-11-20T23:59:00", end: "2026-11-21T00:01:00",
		want: Range{berlin(2026, 11, 20, 23, 59, 0, 0), berlin(2026, 11, 21, 0, 1, 0, 0)}},
	{name: "over the spring change", start: "2026-03-29T01:30:00", end: "2026-03-29T03:30:00",
		want: Range{berlin(2026, 3, 29, 1, 30, 0, 0), berlin(2026, 3, 29, 3, 30, 0, 0)}},
	{name: "the hour skipped in spring", start: "2026-03-29T02:30:00", end: "10m", err: ErrBadRange, msg: "does not exist"},
	{name: "the hour passed twice in autumn", start: "2026-10-25T02:30:00", end: "10m", err: ErrBadRange,
		msg: "2026-10-25T02:30:00+02:00 or 2026-10-25T02:30:00+01:00"},
	{name: "autumn, made plain by an offset", start: "2026-10-25T02:30:00+01:00", end: "10m",
		want: Range{time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 40, 0, 0, time.UTC)}},
	{name: "reversed", start: "2026-11-20T10:47:00", end: "2026-11-20T10:32:00", err: ErrBadRange, msg: "not after"},
	{name: "empty", start: "2026-11-20T10:47:00", end: "2026-11-20T10:47:00", err: ErrBadRange},
	{name: "negative duration", start: "2026-11-20T10:47:00", end: "-5m", err: ErrBadRange},
	{name: "too long", start: "2026-11-20T10:00:00", end: "25h", err: ErrTooLong},
	{name: "a date alone", start: "2026-11-20", end: "1h", err: ErrBadRange},
	{name: "no start", start: "", end: "1h", err: ErrBadRange},
	{name: "garbage", start: "10:32", end: "soon", err: ErrBadRange},
	{name: "bad month", start: "2026-13-20T10:00:00", end: "1h", err: ErrBadRange},
	{name: "space for T", start: "2026-11-20 10:00:00", end: "1h", err: ErrBadRange},
	{name: "one-digit hour (a fuzz find)", start: "2026-11-20T0:00:00,0", end: "1", err: ErrBadRange},
	{name: "comma before the fraction", start: "2026-11-20T10:00:00,5", end: "1", err: ErrBadRange},
	{name: "a dot without a fraction", start: "2026-11-20T10:00:00.", end: "1", err: ErrBadRange},
}

func berlin(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
	return time.Date(y, mo, d, h, mi, s, ns, berlinLoc)
}

var berlinLoc = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return l
}()

func TestParseRange(t *testing.T) {
	for _, tc := range rangeCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRange(tc.start, tc.end, berlinLoc, DefaultMax)
			if tc.err != nil {
				if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("err %v, want %v with %q", err, tc.err, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.Start.Equal(tc.want.Start) || !got.End.Equal(tc.want.End) {
				t.Errorf("got %v to %v, want %v to %v", got.Start, got.End, tc.want.Start, tc.want.End)
			}
		})
	}
}

// FuzzParseRange: any input is a range within the limit or an error of
// the two kinds the edges map, never a panic; a local time read back is
// the wall clock written.
func FuzzParseRange(f *testing.F) {
	for _, tc := range rangeCases {
		f.Add(tc.start, tc.end)
	}
	f.Fuzz(func(t *testing.T, start, end string) {
		r, err := ParseRange(start, end, berlinLoc, DefaultMax)
		if err != nil {
			if !errors.Is(err, ErrBadRange) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("%q %q: error %v is neither ErrBadRange nor ErrTooLong", start, end, err)
			}
			return
		}
		if !r.End.After(r.Start) || r.Duration() > DefaultMax {
			t.Fatalf("%q %q: accepted %v to %v", start, end, r.Start, r.End)
		}
		if len(start) >= 19 && !strings.ContainsAny(start, "Zz+") && strings.Count(start, "-") == 2 {
			if got := r.Start.In(berlinLoc).Format("2006-01-02T15:04:05"); got != start[:19] {
				t.Fatalf("%q read as %s", start, got)
			}
		}
	})
}
