package control

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"google.golang.org/grpc"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/scrub"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// Scrubber is what the control plane asks of the scrubber: *scrub.Scrubber.
type Scrubber interface {
	// Scrub re-hashes now the archives of the cameras named (nil: all)
	// of day d (zero: every day), telling progress as it reads.
	Scrub(ctx context.Context, cameras []string, d day.Date, progress func(scrub.Progress)) ([]scrub.Status, error)
	// Days are the last scrubs of a camera's archives, by day.
	Days(camera string) map[day.Date][]scrub.Status
	// Oldest is the oldest last scrub of a camera's archives.
	Oldest(camera string) time.Time
}

var _ Scrubber = (*scrub.Scrubber)(nil)

// errNoScrub reports a daemon without a scrubber.
var errNoScrub = errors.New("scrubbing is off")

// ScrubDay re-hashes a day's archives, or every archive, now and streams
// the progress; the last message holds the results. What it finds is
// data, not an error.
func (s *service) ScrubDay(req *cctvv1.ScrubDayRequest, stream grpc.ServerStreamingServer[cctvv1.ScrubDayResponse]) error {
	if s.scrub == nil {
		return toStatus(errNoScrub)
	}
	cams, d, err := s.scrubTarget(req)
	if err != nil {
		return toStatus(err)
	}
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()
	go func() { // a scrub stops when the server does
		select {
		case <-s.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	var sent time.Time
	var file string
	var sendErr error
	progress := func(p scrub.Progress) {
		// A new archive at once, other reads at most once per s.every.
		key := p.Camera + "/" + p.Date.String() + "/" + p.File
		if sendErr != nil || (key == file && time.Since(sent) < s.every) {
			return
		}
		file, sent = key, time.Now()
		if sendErr = stream.Send(scrubProgressMsg(p)); sendErr != nil {
			cancel()
		}
	}
	list, err := s.scrub.Scrub(ctx, cams, d, progress)
	if sendErr != nil {
		return sendErr
	}
	if err != nil {
		if ctx.Err() != nil && stream.Context().Err() == nil {
			err = fmt.Errorf("%w: %w", ErrShuttingDown, err)
		}
		return toStatus(err)
	}
	last := &cctvv1.ScrubDayResponse{Done: true, FileCount: int32(len(list)), FilesDone: int32(len(list))}
	for i := range list {
		last.Archives = append(last.Archives, scrubArchiveProto(&list[i]))
		last.BytesDone += list[i].Bytes
	}
	last.BytesTotal = last.BytesDone
	return stream.Send(last)
}

// scrubTarget is what a request asks to scrub: cameras (nil: all) and a
// day (zero: every day).
func (s *service) scrubTarget(req *cctvv1.ScrubDayRequest) ([]string, day.Date, error) {
	switch {
	case req.GetAll() && req.GetDate() != "":
		return nil, day.Date{}, markAs(errors.New("give a date or all, not both"), errInvalid)
	case req.GetAll():
		if req.Camera == nil {
			return nil, day.Date{}, nil
		}
		cam, err := s.camera(req.GetCamera())
		if err != nil {
			return nil, day.Date{}, err
		}
		return []string{cam.Name}, day.Date{}, nil
	case req.GetDate() == "":
		return nil, day.Date{}, markAs(errors.New("give a date or all"), errInvalid)
	}
	d, err := day.Parse(req.GetDate())
	if err != nil {
		return nil, day.Date{}, err
	}
	cam, err := s.camera(req.GetCamera())
	if err != nil {
		return nil, day.Date{}, err
	}
	if _, ok := cam.Days.Day(d); !ok {
		return nil, day.Date{}, fmt.Errorf("%s: %w", d, archive.ErrUnknownDay)
	}
	return []string{cam.Name}, d, nil
}

func scrubProgressMsg(p scrub.Progress) *cctvv1.ScrubDayResponse {
	m := &cctvv1.ScrubDayResponse{Camera: p.Camera, File: p.File, BytesDone: p.Done, BytesTotal: p.Total,
		FilesDone: int32(p.Files), FileCount: int32(p.FileCount)}
	if !p.Date.IsZero() {
		m.Date = p.Date.String()
	}
	return m
}

var scrubResults = map[scrub.Result]cctvv1.ScrubResult{
	"":                    cctvv1.ScrubResult_SCRUB_RESULT_UNSPECIFIED,
	scrub.OK:              cctvv1.ScrubResult_SCRUB_RESULT_OK,
	scrub.Mismatch:        cctvv1.ScrubResult_SCRUB_RESULT_MISMATCH,
	scrub.MissingChecksum: cctvv1.ScrubResult_SCRUB_RESULT_MISSING_CHECKSUM,
	scrub.BadChecksum:     cctvv1.ScrubResult_SCRUB_RESULT_BAD_CHECKSUM,
	scrub.Unreadable:      cctvv1.ScrubResult_SCRUB_RESULT_UNREADABLE,
}

func scrubArchiveProto(st *scrub.Status) *cctvv1.ScrubArchive {
	return &cctvv1.ScrubArchive{Camera: st.Camera, Date: st.Date.String(), File: st.File,
		Result: scrubResults[st.Result], Time: timeProto(st.Last), Bytes: st.Bytes, Detail: st.Detail,
		NextTime: timeProto(st.Due)}
}

// scrubsOf are the last scrubs of camera's archives by day; nil without
// a scrubber.
func (s *service) scrubsOf(camera string) map[day.Date][]scrub.Status {
	if s.scrub == nil {
		return nil
	}
	return s.scrub.Days(camera)
}

// present keeps the scrubs of the archives the day has now: the
// scrubber lists the folders only now and then, and an archive may have
// gone since (set aside by the archiver, removed by retention).
func present(list []scrub.Status, info *DayInfo) []scrub.Status {
	var out []scrub.Status
	for _, st := range list {
		for _, a := range info.Archives {
			if a.Name == st.File {
				out = append(out, st)
				break
			}
		}
	}
	return out
}

// fillScrubs adds what the last scrubs of the day's archives found.
func fillScrubs(d *cctvv1.Day, list []scrub.Status) {
	if len(list) == 0 {
		return
	}
	worst, oldest, never := cctvv1.ScrubResult_SCRUB_RESULT_OK, time.Time{}, false
	for i := range list {
		st := &list[i]
		d.Scrubs = append(d.Scrubs, scrubArchiveProto(st))
		switch {
		case st.Result.Damaged():
			if worst == cctvv1.ScrubResult_SCRUB_RESULT_OK || worst == cctvv1.ScrubResult_SCRUB_RESULT_UNSPECIFIED {
				worst = scrubResults[st.Result]
			}
		case st.Result == "" && worst == cctvv1.ScrubResult_SCRUB_RESULT_OK:
			worst = cctvv1.ScrubResult_SCRUB_RESULT_UNSPECIFIED
		}
		if st.Last.IsZero() {
			never = true
		} else if oldest.IsZero() || st.Last.Before(oldest) {
			oldest = st.Last
		}
	}
	d.ScrubResult = worst
	if !never {
		d.LastScrubTime = timeProto(oldest)
	}
}

// fillScrubStatus adds the damaged archives and the oldest scrub of
// cameras to a status.
func (s *service) fillScrubStatus(resp *cctvv1.GetStatusResponse, cams []Camera) {
	if s.scrub == nil {
		return
	}
	var oldest time.Time
	for _, c := range cams {
		if t := s.scrub.Oldest(c.Name); !t.IsZero() && (oldest.IsZero() || t.Before(oldest)) {
			oldest = t
		}
		days := s.scrub.Days(c.Name)
		for _, d := range slices.SortedFunc(maps.Keys(days), day.Date.Compare) {
			info, ok := c.Days.Day(d)
			if !ok {
				continue
			}
			list := present(days[d], &info)
			for i := range list {
				if list[i].Result.Damaged() {
					resp.DamagedArchives = append(resp.DamagedArchives, scrubArchiveProto(&list[i]))
				}
			}
		}
	}
	resp.OldestScrubTime = timeProto(oldest)
}
