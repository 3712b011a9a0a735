package control

import (
	"context"
	"errors"
	"sync"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/ts"
)

// This file fits the real catalog and archiver to Days and Archiver. It is
// the only one that knows their types.

// catalogViews is what FromCatalog reads: *catalog.Catalog.
type catalogViews interface {
	Days() []*catalog.DayView
	Day(d day.Date) (*catalog.DayView, bool)
}

var (
	_ catalogViews = (*catalog.Catalog)(nil)
	_ archiveAPI   = (*archive.Archiver)(nil)
)

// archivedFootage is what the archiver remembers of footage gone from
// the day folders into archives: *archive.Archiver.
type archivedFootage interface {
	// SourceBytes is the size of the segments that went in.
	SourceBytes(d day.Date) int64
	// Runs are the stretches of footage in each archive.
	Runs(d day.Date) map[string][]ts.Run
}

var _ archivedFootage = (*archive.Archiver)(nil)

// FromCatalog is the catalog as the control plane reads it; archived, if
// set, tells the size and footage time of the segments an archived day's
// archives hold, for the size reduction and the time covered.
func FromCatalog(c catalogViews, archived archivedFootage) Days { return catalogDays{c, archived} }

type catalogDays struct {
	c        catalogViews
	archived archivedFootage
}

func (c catalogDays) Days() []DayInfo {
	views := c.c.Days()
	out := make([]DayInfo, 0, len(views))
	for _, v := range views {
		out = append(out, c.dayInfo(v))
	}
	return out
}

func (c catalogDays) Day(d day.Date) (DayInfo, bool) {
	v, ok := c.c.Day(d)
	if !ok {
		return DayInfo{}, false
	}
	return c.dayInfo(v), true
}

func (c catalogDays) dayInfo(v *catalog.DayView) DayInfo {
	t := v.Totals
	info := DayInfo{Date: v.Date, Segments: t.Segments, Bytes: t.Bytes, Covered: t.Covered, First: t.First, Last: t.Last,
		Gaps: t.Gaps, Missing: t.Missing, Kept: t.Kept, Pending: v.Pending}
	if v.Plan != nil {
		info.Findings = len(v.Plan.Findings)
	}
	for _, a := range v.Archives {
		info.Archives = append(info.Archives, ArchiveFile{Name: a.Name, Bytes: a.Size, Checksum: a.Checksum})
	}
	if len(info.Archives) > 0 && c.archived != nil {
		info.ArchivedSourceBytes = c.archived.SourceBytes(v.Date)
		runs := c.archived.Runs(v.Date)
		for _, a := range info.Archives {
			for _, r := range runs[a.Name] {
				info.ArchivedCovered += r.Len
			}
		}
	}
	return info
}

// archiveAPI is what FromArchiver asks: *archive.Archiver.
type archiveAPI interface {
	Convert(ctx context.Context, d day.Date, force, dryRun bool) (*archive.Plan, error)
	Watch(d day.Date) (ch <-chan archive.Progress, stop func(), err error)
	Cancel(ctx context.Context, d day.Date) (archive.Cancelled, error)
	Status() archive.Status
	Pending() []archive.Pending
	Verify(ctx context.Context, d day.Date) (*archive.Report, error)
}

// FromArchiver is the archiver as the control plane drives it.
func FromArchiver(a archiveAPI) Archiver { return archiver{a} }

type archiver struct{ a archiveAPI }

// archiveErrors mark the domain's errors with the ones toStatus knows.
var archiveErrors = []struct{ domain, kind error }{
	{archive.ErrUnknownDay, ErrUnknownDay},
	{archive.ErrToday, ErrToday},
	{archive.ErrTooYoung, ErrTooYoung},
	{archive.ErrNothingToDo, ErrNothingToDo},
	{archive.ErrArchived, ErrArchived},
	{archive.ErrNotConverting, ErrNotConverting},
	{archive.ErrCommitting, ErrCommitting},
	{encode.ErrFFmpegMissing, ErrNoEncoder},
	{encode.ErrNoX265, ErrNoEncoder},
}

func fromArchive(err error) error {
	for _, e := range archiveErrors {
		if errors.Is(err, e.domain) {
			return markAs(err, e.kind)
		}
	}
	return err
}

func (a archiver) Convert(ctx context.Context, d day.Date, force, dryRun bool) (*Plan, error) {
	p, err := a.a.Convert(ctx, d, force, dryRun)
	if err != nil || p == nil {
		return nil, fromArchive(err)
	}
	return planOf(p), nil
}

// Watch converts the archiver's reports as they come. Like the
// archiver's, its reader may miss reports but always gets the last.
func (a archiver) Watch(d day.Date) (<-chan Progress, func(), error) {
	src, stop, err := a.a.Watch(d)
	if err != nil {
		return nil, nil, fromArchive(err)
	}
	out, done := make(chan Progress), make(chan struct{})
	go func() {
		defer close(out)
		for p := range src {
			select {
			case out <- progressOf(&p):
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() {
			close(done)
			stop()
		})
	}, nil
}

func (a archiver) Cancel(ctx context.Context, d day.Date) (Cancelled, error) {
	c, err := a.a.Cancel(ctx, d)
	return Cancelled{Phase: Phase(c.Phase), Removed: c.Removed}, fromArchive(err)
}

func (a archiver) Status() []Job {
	st := a.a.Status()
	out := make([]Job, 0, len(st.Days))
	for i := range st.Days {
		s := &st.Days[i]
		out = append(out, Job{Date: s.Date, State: JobState(s.State), Progress: progressOf(&s.Progress),
			Err: s.Err, NextAttempt: s.NextAttempt})
	}
	return out
}

func (a archiver) Pending() []Pending {
	var out []Pending
	for _, p := range a.a.Pending() {
		out = append(out, Pending{Date: p.Date, Forced: p.Forced, ChunksDone: p.ChunksDone, Chunks: p.Chunks,
			Committing: p.Committing})
	}
	return out
}

func (a archiver) Verify(ctx context.Context, d day.Date) (*Report, error) {
	r, err := a.a.Verify(ctx, d)
	if err != nil {
		return nil, fromArchive(err)
	}
	out := &Report{Date: r.Date, Plan: &Plan{Date: r.Date}}
	if r.Plan != nil {
		out.Plan = planOf(r.Plan)
	}
	for i := range r.Archives {
		out.Archives = append(out.Archives, archiveCheckOf(&r.Archives[i]))
	}
	return out, nil
}

// The archiver's phases, states and checksum states are this package's,
// spelt the same (adapt_test.go checks every one).

func progressOf(p *archive.Progress) Progress {
	return Progress{Date: p.Date, Phase: Phase(p.Phase), Chunk: p.Chunk, Chunks: p.Chunks,
		Frames: p.Frames, TotalFrames: p.TotalFrames, OutTime: p.OutTime, TotalTime: p.TotalTime,
		Speed: p.Speed, ETA: p.ETA, Started: p.Started, Updated: p.Updated, Err: p.Err, StderrTail: p.StderrTail,
		Archive: p.Archive, ArchiveBytes: p.ArchiveBytes, SHA512: p.SHA512}
}

func planOf(p *archive.Plan) *Plan {
	out := &Plan{Date: p.Date, Output: p.Output, Plan: p.Plan, Due: p.Due}
	for _, c := range p.Chunks {
		out.Chunks = append(out.Chunks, Chunk{Index: c.Index + 1, First: c.First, Count: c.Count,
			Frames: c.Frames, Duration: c.Duration, Done: c.Done})
	}
	return out
}

// archiveCheckOf separates what is wrong with the file itself (it cannot
// be read, or does not probe as HEVC) from its checksum's state.
func archiveCheckOf(c *archive.ArchiveCheck) ArchiveCheck {
	out := ArchiveCheck{File: c.File, Bytes: c.Bytes, Checksum: ChecksumState(c.Checksum), Expected: c.Expected,
		Actual: c.Actual, Codec: c.Info.Codec, Frames: c.Info.Frames, Duration: c.Info.Duration}
	if c.Err != nil && (c.Actual == "" || errors.Is(c.Err, archive.ErrVerify)) {
		out.Broken = c.Err
	}
	return out
}
