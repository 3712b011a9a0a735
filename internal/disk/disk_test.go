package disk

import "testing"

func TestMeasure(t *testing.T) {
	u, err := Measure(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if u.Total == 0 || u.Free > u.Total || u.Used > u.Total {
		t.Errorf("Measure = %+v: want 0 < Total, Free ≤ Total, Used ≤ Total", u)
	}
}
