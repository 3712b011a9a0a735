package logring

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	var out bytes.Buffer
	errs := New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn}), 3)
	log := slog.New(errs)
	archive := log.With("component", "archive")

	archive.Info("archiving day", "day", "2026-11-19") // below both
	archive.Error("archiving failed; the segments are intact", "day", "2026-11-20", "err", errors.New("ffmpeg exited 1"))
	log.With("component", "http", "day", "2026-11-21").Error("cannot serve playlist")
	log.WithGroup("req").Error("bad request", "day", "not-mine")
	for i := range 2 {
		log.Error(fmt.Sprintf("error %d", i))
	}

	got := errs.Recent()
	var lines []string
	for _, e := range got {
		lines = append(lines, fmt.Sprintf("%s|%s|%s", e.Component, e.Day, e.Message))
	}
	want := []string{"||error 1", "||error 0", "||bad request"}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("kept (newest first):\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(out.String(), "archiving day") || !strings.Contains(out.String(), "component=archive") {
		t.Errorf("passed on:\n%s", out.String())
	}

	errs = New(slog.DiscardHandler, 10)
	slog.New(errs).With("component", "archive").Error("archiving failed", "day", "2026-11-20", "err", errors.New("ffmpeg exited 1"))
	slog.New(errs).With("component", "http", "day", "2026-11-21").Error("cannot serve playlist")
	got = errs.Recent()
	if len(got) != 2 || got[1].Component != "archive" || got[1].Day != "2026-11-20" || got[1].Message != "archiving failed: ffmpeg exited 1" ||
		got[0].Component != "http" || got[0].Day != "2026-11-21" || got[0].Time.IsZero() {
		t.Errorf("kept %+v", got)
	}
}
