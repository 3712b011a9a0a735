package ctl

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func camerasCmd() *command {
	return &command{
		name:    "cameras",
		summary: "List the cameras and whether they are sending",
		doc: "One line per camera: its name (the folder under the root; the default camera's\n" +
			"days are right under the root), its title, when its newest segment ended, whether\n" +
			"it is silent (has sent nothing for longer than cctvd's silence threshold), its\n" +
			"days by state and the space its footage takes (segments and archives).",
		run: runCameras,
	}
}

func runCameras(ctx context.Context, r *runner, args []string) error {
	if err := r.noArgs(args); err != nil {
		return err
	}
	resp, err := call(ctx, r, "cameras", func(ctx context.Context, api cctvv1.CctvServiceClient) (*cctvv1.ListCamerasResponse, error) {
		return api.ListCameras(ctx, &cctvv1.ListCamerasRequest{})
	})
	if err != nil {
		return err
	}
	p := r.printer()
	if r.opts.json {
		return p.protoJSON(resp)
	}
	if len(resp.GetCameras()) == 0 {
		p.linef("no cameras yet")
		return nil
	}
	rows := make([][]string, 0, len(resp.GetCameras()))
	for _, c := range resp.GetCameras() {
		rows = append(rows, []string{
			cameraText(c.GetName()),
			orDash(oneLine(c.GetTitle())),
			lastSegmentText(c),
			sendingText(c),
			orDash(countsText(c.GetDayCounts())),
			sizeText(c.GetBytes()),
		})
	}
	return p.table([]string{"CAMERA", "TITLE", "LAST SEGMENT", "SENDING", "DAYS", "SIZE"}, rows)
}

// lastSegmentText is how long ago a camera's newest segment ended, by the
// daemon's clock: "12s ago", "never".
func lastSegmentText(c *cctvv1.Camera) string {
	if c.GetSinceLastSegment() == nil {
		return "never"
	}
	return durText(c.GetSinceLastSegment()) + " ago"
}

func sendingText(c *cctvv1.Camera) string {
	if c.GetSilent() {
		return "silent"
	}
	return "ok"
}

// countsText is days by state: "1 recording, 2 settling, 30 archived".
func countsText(counts []*cctvv1.DayStateCount) string {
	var parts []string
	for _, c := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", c.GetCount(), stateText(c.GetState())))
	}
	return strings.Join(parts, ", ")
}

// printSilent says which cameras went silent, and how many cameras there
// are when there is more than the default one.
func (p *printer) printSilent(cams []*cctvv1.Camera) {
	silent := 0
	for _, c := range cams {
		if c.GetSilent() {
			silent++
		}
	}
	if len(cams) > 1 {
		line := strconv.Itoa(len(cams))
		if silent > 0 {
			line += fmt.Sprintf(", %d silent", silent)
		}
		p.linef("cameras: %s", line)
	}
	for _, c := range cams {
		if !c.GetSilent() {
			continue
		}
		who := "camera " + c.GetName()
		if c.GetName() == "" {
			who = "default camera"
		}
		if c.GetLastSegmentTime() == nil {
			p.linef("%s: silent, no segment yet", who)
			continue
		}
		p.linef("%s: silent for %s (last segment %s)", who, durText(c.GetSinceLastSegment()), p.timeText(c.GetLastSegmentTime()))
	}
}
