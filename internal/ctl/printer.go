package ctl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/cctvd/cctvd/internal/bytesize"
)

// printer writes a command's output as text or, with --json, as JSON.
type printer struct {
	w   io.Writer
	loc *time.Location
}

func (r *runner) printer() *printer { return &printer{w: r.Stdout, loc: r.location()} }

// jsonOpts are fixed so scripts see stable, snake_case output: field names
// as in the .proto, unset fields left out, enums by their full names.
var jsonOpts = protojson.MarshalOptions{UseProtoNames: true, EmitUnpopulated: false}

// protoJSON writes m as indented JSON. protojson's own spacing is
// deliberately unstable, so it is normalized by encoding/json.
func (p *printer) protoJSON(m proto.Message) error {
	b, err := jsonOpts.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	out.WriteByte('\n')
	_, err = p.w.Write(out.Bytes())
	return err
}

// protoJSONLine writes m as JSON on one line (a stream of messages).
func (p *printer) protoJSONLine(m proto.Message) error {
	b, err := jsonOpts.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	out.WriteByte('\n')
	_, err = p.w.Write(out.Bytes())
	return err
}

// valueJSON writes a plain Go value as indented JSON.
func (p *printer) valueJSON(v any) error {
	enc := json.NewEncoder(p.w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// linef writes one line of text.
func (p *printer) linef(format string, args ...any) {
	fmt.Fprintf(p.w, format+"\n", args...)
}

// table writes aligned columns; cells must not contain tabs or newlines.
func (p *printer) table(header []string, rows [][]string) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 8, 2, ' ', 0)
	if header != nil {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, row := range rows {
		cells := make([]string, len(row))
		for i, c := range row {
			cells[i] = printable(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Empty last cells leave padding behind.
	for line := range strings.Lines(buf.String()) {
		if _, err := fmt.Fprintln(p.w, strings.TrimRight(line, " \n")); err != nil {
			return err
		}
	}
	return nil
}

// Formatting of single values for text output. "-" stands for unknown or
// not applicable, so table columns never collapse.

// sizeText is bytesize.Format, or "-" for zero.
func sizeText(n int64) string {
	if n == 0 {
		return "-"
	}
	return bytesize.Format(n)
}

// durText is a duration to the second ("23h59m50s", "4m0s", "12s") and
// below a second to the tenth ("0.4s"); "-" when unset.
func durText(d *durationpb.Duration) string {
	if d == nil {
		return "-"
	}
	return durString(d.AsDuration())
}

func durString(d time.Duration) string {
	if d > -time.Second && d < time.Second {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Round(time.Second).String()
}

// timeText is a wall-clock time as "2006-01-02 15:04:05"; "-" when unset.
func (p *printer) timeText(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return t.AsTime().In(p.loc).Format(time.DateTime)
}

// clockText is the time of day only, for times within a known day.
func (p *printer) clockText(t *timestamppb.Timestamp) string {
	if t == nil {
		return "-"
	}
	return t.AsTime().In(p.loc).Format(time.TimeOnly)
}

// enumText is an enum value's name without its type prefix, in lower case:
// FINDING_KIND_IN_FLIGHT → "in-flight".
func enumText(name, prefix string) string {
	s := strings.TrimPrefix(name, prefix)
	if s == "UNSPECIFIED" {
		return "-"
	}
	return strings.ReplaceAll(strings.ToLower(s), "_", "-")
}

// orDash is s, or "-" when s is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine keeps the first line of s, marking that more was cut; tabs
// become spaces so that tables stay aligned.
func oneLine(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\t", " ")
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// printable escapes what a terminal would act on or a table would break
// on (control characters, tabs) in text that comes from the daemon, such as
// the names of uploaded files.
func printable(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsPrint(r) && r != ' ' }) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// plural is "1 finding", "3 findings".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
