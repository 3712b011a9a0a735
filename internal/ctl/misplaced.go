package ctl

import cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"

// printMisplaced lists the root's entries that look like footage in the
// wrong place; nothing when there are none.
func (p *printer) printMisplaced(ms []*cctvv1.MisplacedEntry) {
	if len(ms) == 0 {
		return
	}
	p.linef("misplaced footage (not played or archived until moved; cctvd moves nothing):")
	rows := make([][]string, 0, len(ms))
	for _, m := range ms {
		kind := enumText(m.GetKind().String(), "MISPLACED_KIND_")
		if m.GetDate() != "" {
			kind += " (" + m.GetDate() + ")"
		}
		rows = append(rows, []string{"  " + refText(m.GetCamera(), m.GetName()), kind, oneLine(m.GetDetail())})
	}
	p.table(nil, rows)
}
