package encode

import (
	"bytes"
	"fmt"
	"strings"
)

// maxLine bounds a line of ffmpeg output kept in memory.
const maxLine = 4096

// lineWriter calls line for each line written to it, without its line end.
// Its first error is returned by every later Write.
type lineWriter struct {
	line    func(string) error
	partial []byte
	err     error
}

func (w *lineWriter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 && w.err == nil {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			w.partial = append(w.partial, b...)
			if len(w.partial) > maxLine {
				w.err = fmt.Errorf("line longer than %d bytes", maxLine)
			}
			break
		}
		line := append(w.partial, b[:i]...)
		w.partial, b = w.partial[:0], b[i+1:]
		w.err = w.line(string(bytes.TrimSuffix(line, []byte("\r"))))
	}
	if w.err != nil {
		return 0, w.err
	}
	return n, nil
}

// Close passes on an unterminated last line.
func (w *lineWriter) Close() error {
	if w.err == nil && len(w.partial) > 0 {
		w.err = w.line(string(w.partial))
		w.partial = w.partial[:0]
	}
	return w.err
}

// rewritesTimestamps reports whether an ffmpeg log line says that ffmpeg
// changed timestamps it was given, which it does, and carries on, when
// they do not increase.
func rewritesTimestamps(line string) bool {
	for _, s := range []string{"Non-monotonous DTS", "Non-monotonic DTS", "Invalid DTS"} {
		if strings.Contains(line, s) {
			return true
		}
	}
	return false
}

// tail keeps the last max lines written to it, each cut to maxLine bytes,
// and the first line flag returns true for.
type tail struct {
	max     int
	flag    func(string) bool
	flagged string
	lines   []string
	partial []byte
}

func (t *tail) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			t.partial = append(t.partial, b[:min(len(b), maxLine-len(t.partial))]...)
			break
		}
		t.partial = append(t.partial, b[:min(i, maxLine-len(t.partial))]...)
		t.push()
		b = b[i+1:]
	}
	return n, nil
}

func (t *tail) push() {
	if len(t.partial) > 0 {
		line := string(t.partial)
		if t.flagged == "" && t.flag != nil && t.flag(line) {
			t.flagged = line
		}
		t.lines = append(t.lines, line)
		if len(t.lines) > t.max {
			t.lines = t.lines[len(t.lines)-t.max:]
		}
	}
	t.partial = t.partial[:0]
}

// Lines returns the kept lines, with an unterminated last line.
func (t *tail) Lines() []string {
	t.push()
	return t.lines
}
