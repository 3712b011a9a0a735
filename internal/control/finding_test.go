package control

import (
	"strings"
	"testing"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"

	"github.com/cctvd/cctvd/internal/ts"
)

// A kind the API has a name for keeps that name end to end: the log's
// "unreadable" is not the client's "other".
func TestFindingKindsKeepTheirNames(t *testing.T) {
	for k, v := range findingKinds {
		name := "FINDING_KIND_" + strings.ToUpper(string(k))
		if want, ok := cctvv1.FindingKind_value[name]; ok && v != cctvv1.FindingKind(want) {
			t.Errorf("%s is sent as %v, want %s", k, v, name)
		}
	}
	if got := findingKind(ts.Unreadable); got != cctvv1.FindingKind_FINDING_KIND_UNREADABLE {
		t.Errorf("unreadable is sent as %v", got)
	}
}
