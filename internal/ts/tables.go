package ts

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/asticode/go-astits"
)

// tables hands single packets to an astits demuxer and gets back the PAT,
// PMT or PES header they start. astits pulls packets and emits a PES only
// when the next one on its PID begins, so every PES-start packet is
// followed by a stuffing packet that closes it; the copies carry fixed
// continuity counters so astits never discards them as lost.
type tables struct {
	feed feed
	dmx  *astits.Demuxer
	pkt  [2 * packetSize]byte
}

type feed struct{ b []byte }

func (f *feed) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

func newTables() *tables {
	t := &tables{}
	t.dmx = astits.NewDemuxer(context.Background(), &t.feed, astits.DemuxerOptPacketSize(packetSize))
	return t
}

// psi parses a one-packet PAT or PMT section.
func (t *tables) psi(p []byte) (*astits.DemuxerData, error) {
	copy(t.pkt[:], p)
	t.feed.b = t.pkt[:packetSize]
	return t.next()
}

// pes parses the header of the PES that p starts.
func (t *tables) pes(p []byte) (*astits.PESData, error) {
	copy(t.pkt[:], p)
	setCC(t.pkt[:], 0)
	closer := t.pkt[packetSize:]
	closer[0], closer[1], closer[2], closer[3] = syncByte, 0x40|p[1]&0x1F, p[2], 0x11
	for i := 4; i < packetSize; i++ {
		closer[i] = 0xFF
	}
	t.feed.b = t.pkt[:]
	d, err := t.next()
	if err != nil {
		return nil, err
	}
	if d.PES == nil {
		return nil, errors.New("no PES header")
	}
	return d.PES, nil
}

func (t *tables) next() (*astits.DemuxerData, error) {
	d, err := t.dmx.NextData()
	if errors.Is(err, astits.ErrNoMorePackets) {
		return nil, errors.New("incomplete or unknown section")
	}
	if err != nil {
		return nil, fmt.Errorf("astits: %w", err)
	}
	return d, nil
}
