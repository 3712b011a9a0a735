package archive

import "testing"

// TestSlotsTakeTurns shares one slot between a busy camera and a quiet
// one: when the busy one frees the slot it must wait for the other.
func TestSlotsTakeTurns(t *testing.T) {
	busy := &Archiver{kick: make(chan struct{}, 1)}
	quiet := &Archiver{kick: make(chan struct{}, 1)}
	kicked := func(a *Archiver) bool {
		select {
		case <-a.kick:
			return true
		default:
			return false
		}
	}
	s := NewSlots(1)
	steps := []struct {
		name     string
		do       func() bool
		want     bool
		wantKick *Archiver // the one woken, if any
	}{
		{name: "busy takes the free slot", do: func() bool { return s.take(busy) }, want: true},
		{name: "quiet waits", do: func() bool { return s.take(quiet) }, want: false},
		{name: "busy asks again and is put in line behind quiet", do: func() bool { return s.take(busy) }, want: false},
		{name: "busy's job ends: quiet is woken", do: func() bool { s.release(); return true }, want: true, wantKick: quiet},
		{name: "busy cannot jump the line", do: func() bool { return s.take(busy) }, want: false},
		{name: "quiet takes the slot", do: func() bool { return s.take(quiet) }, want: true},
		{name: "quiet's job ends: busy is woken", do: func() bool { s.release(); return true }, want: true, wantKick: busy},
		{name: "busy leaves the line: nothing queued", do: func() bool { s.leave(busy); return true }, want: true},
		{name: "quiet takes the slot nobody waits for", do: func() bool { return s.take(quiet) }, want: true},
	}
	for _, st := range steps {
		if got := st.do(); got != st.want {
			t.Fatalf("%s: got %v, want %v", st.name, got, st.want)
		}
		for _, a := range []*Archiver{busy, quiet} {
			if got := kicked(a); got != (a == st.wantKick) {
				t.Fatalf("%s: kicked %v, want %v", st.name, got, a == st.wantKick)
			}
		}
	}
}
