package control

import (
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/uploader"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

type fakeOffsite struct {
	days   map[day.Date]uploader.DayStatus
	status uploader.Status
}

func (f fakeOffsite) Day(camera string, d day.Date) uploader.DayStatus {
	if st, ok := f.days[d]; ok {
		return st
	}
	return uploader.DayStatus{State: uploader.None}
}

func (f fakeOffsite) Status() uploader.Status { return f.status }

// ListDays and GetStatus tell where the off-site copies are, and nothing
// of them when off-site copies are off.
func TestOffsiteFields(t *testing.T) {
	verifiedAt := now.Add(-time.Hour)
	h := serve(t, Config{})
	list, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list.Days {
		if d.OffsiteState != cctvv1.OffsiteState_OFFSITE_STATE_UNSPECIFIED {
			t.Errorf("%s: off-site %v with off-site copies off", d.Date, d.OffsiteState)
		}
	}
	st, err := h.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	if err != nil || st.Offsite != nil {
		t.Fatalf("status off-site %v (%v), want none", st.GetOffsite(), err)
	}

	h.srv.svc.offsite = fakeOffsite{
		days: map[day.Date]uploader.DayStatus{
			date("2026-11-19"): {State: uploader.Verified, VerifiedAt: verifiedAt},
			date("2026-11-20"): {State: uploader.Failed, Err: "off-site upload: unreachable", Retry: now.Add(time.Minute)},
		},
		status: uploader.Status{Target: "s3://b/p", Err: "off-site upload: unreachable", ErrTime: now, Sent: 1234, Queue: 2, Verified: 1,
			Uploading: "2026-11-21", LastVerified: verifiedAt, KeepLocal: 30},
	}
	list, err = h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]cctvv1.OffsiteState{"2026-11-19": cctvv1.OffsiteState_OFFSITE_STATE_VERIFIED, "2026-11-20": cctvv1.OffsiteState_OFFSITE_STATE_ERROR}
	seen := 0
	for _, d := range list.Days {
		w, ok := want[d.Date]
		if ok {
			seen++
		} else {
			w = cctvv1.OffsiteState_OFFSITE_STATE_NONE
		}
		if d.OffsiteState != w {
			t.Errorf("%s: off-site %v, want %v", d.Date, d.OffsiteState, w)
		}
		switch d.Date {
		case "2026-11-19":
			if !d.GetOffsiteVerifiedTime().AsTime().Equal(verifiedAt) || d.OffsiteError != "" {
				t.Errorf("%s: verified %v error %q", d.Date, d.GetOffsiteVerifiedTime(), d.OffsiteError)
			}
		case "2026-11-20":
			if d.OffsiteVerifiedTime != nil || d.OffsiteError != "off-site upload: unreachable" {
				t.Errorf("%s: verified %v error %q", d.Date, d.GetOffsiteVerifiedTime(), d.OffsiteError)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the days %v listed", seen, want)
	}
	st, err = h.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	o := st.GetOffsite()
	if o.GetTarget() != "s3://b/p" || o.GetLastError() != "off-site upload: unreachable" || !o.GetLastErrorTime().AsTime().Equal(now) ||
		o.GetPermanent() || o.GetUploadedBytes() != 1234 || o.GetQueueLength() != 2 || o.GetVerifiedDays() != 1 ||
		o.GetUploading() != "2026-11-21" || !o.GetLastVerifiedTime().AsTime().Equal(verifiedAt) || o.GetKeepLocalDays() != 30 {
		t.Errorf("status off-site %v", o)
	}
}
