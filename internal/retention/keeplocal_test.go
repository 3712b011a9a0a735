package retention

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/cctvd/cctvd/internal/day"
)

// --keep-local deletes the local archives of days verified off-site and
// older than N days, with room to spare, through the ledger; a crash after
// the intent is finished at the next start; a day not off-site, or whose
// receipt does not hold its archives as they are, stays.
func TestRetentionKeepLocal(t *testing.T) {
	fx := newFixture(t, 1<<30) // room to spare: keep-free deletes nothing
	d20 := fx.archive("", 20, 1000)
	d15 := fx.archive("garage", 15, 1000)
	d12 := fx.archive("", 12, 1000)     // not off-site
	d13 := fx.archive("", 13, 1000)     // off-site, but its receipt holds another size
	d3 := fx.archive("garage", 3, 1000) // off-site, young
	fx.archive("", 1, 1000)
	today := day.Of(fx.clock.Now())
	offsite := map[string]int64{"/" + today.AddDays(-20).String(): 1000, "garage/" + today.AddDays(-15).String(): 1000,
		"/" + today.AddDays(-13).String(): 999, "garage/" + today.AddDays(-3).String(): 1000}
	var asked int
	fx.cfg.KeepLocal = 10
	fx.cfg.Offsite = func(camera string, d day.Date, archives []Archive) bool {
		asked++
		size, ok := offsite[camera+"/"+d.String()]
		return ok && len(archives) == 1 && archives[0].Name == "video.mp4" && archives[0].Size == size
	}
	crash := errors.New("killed")
	fx.cfg.afterIntent = func() error { return crash }
	fx.new().check()
	if got, want := events(fx.ledger()), "delete /"+today.AddDays(-20).String(); got != want {
		t.Fatalf("ledger after the crash: %s, want %s", got, want)
	}
	if !exists(filepath.Join(d20, "video.mp4")) {
		t.Fatalf("deleted before the crash point")
	}

	fx.cfg.afterIntent = nil
	r := fx.new() // finishes the interrupted deletion
	r.check()
	want := "delete /" + today.AddDays(-20).String() + ", deleted /" + today.AddDays(-20).String() +
		", delete garage/" + today.AddDays(-15).String() + ", deleted garage/" + today.AddDays(-15).String()
	if got := events(fx.ledger()); got != want {
		t.Errorf("ledger:\n got %s\nwant %s", got, want)
	}
	for _, e := range fx.ledger() {
		if e.Event == EventDelete && e.Reason != string(KeepLocal) {
			t.Errorf("intent %s/%s: reason %q, want keep-local", e.Camera, e.Day, e.Reason)
		}
	}
	for _, c := range []struct {
		dir  string
		gone bool
	}{{d20, true}, {d15, true}, {d12, false}, {d13, false}, {d3, false}} {
		if got := !exists(filepath.Join(c.dir, "video.mp4")); got != c.gone {
			t.Errorf("%s: gone = %v, want %v", c.dir, got, c.gone)
		}
		if got := !exists(filepath.Join(c.dir, "video.mp4.sha512sum")); got != c.gone {
			t.Errorf("%s checksum: gone = %v, want %v", c.dir, got, c.gone)
		}
	}
	if asked == 0 {
		t.Errorf("the off-site check was never asked")
	}
	p, err := r.DryRun()
	if err != nil {
		t.Fatal(err)
	}
	if got := summary(p.Kept); got != "/"+today.AddDays(-13).String()+":not verified off-site /"+today.AddDays(-12).String()+
		":not verified off-site garage/"+today.AddDays(-3).String()+":newest archive /"+today.AddDays(-1).String()+":settling" {
		t.Errorf("kept: %s", got)
	}
	if _, err := os.Stat(d20); !os.IsNotExist(err) {
		t.Errorf("%s: empty folder left (%v)", d20, err)
	}
}
