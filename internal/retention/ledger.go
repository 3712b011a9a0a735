package retention

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// LedgerName is the ledger's file in the state folder: one JSON object a
// line, appended, never rewritten, so that it outlives what it records.
const LedgerName = "ledger.jsonl"

// Ledger events.
const (
	// EventDelete is the intent to delete a day's files, written and
	// synced before the first of them goes.
	EventDelete = "delete"
	// EventDeleted closes an intent: its files are gone (Recovered: by
	// the start-up after a crash).
	EventDeleted = "deleted"
	// EventAbandoned closes an intent whose files were kept (the day was
	// held since, or a file changed): Note says why.
	EventAbandoned = "abandoned"
	EventHold      = "hold"
	EventRelease   = "release"
)

// Entry is one line of the ledger.
type Entry struct {
	Time   time.Time `json:"time"`
	Event  string    `json:"event"`
	Camera string    `json:"camera"`
	Day    string    `json:"day"`
	// Reason is why a day is deleted (keep-free, max-age) or held.
	Reason string `json:"reason,omitempty"`
	// Files are the files a deletion removes, with their size and the
	// SHA-512 their checksum file recorded.
	Files []LedgerFile `json:"files,omitempty"`
	// Free and Need are the file system's free bytes and --keep-free's
	// bytes when a deletion was decided.
	Free int64 `json:"free_bytes,omitempty"`
	Need int64 `json:"need_bytes,omitempty"`
	// Who asked for a hold or release: the unix user of the cctvctl peer,
	// or "control API".
	Who       string `json:"who,omitempty"`
	Recovered bool   `json:"recovered,omitempty"`
	Note      string `json:"note,omitempty"`
}

// LedgerFile is one file of a deletion, named inside the camera folder.
type LedgerFile struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA512 string `json:"sha512,omitempty"`
}

// ledger appends entries to the ledger file, each synced before append
// returns. Callers serialise (Retention.mu).
type ledger struct {
	path string
	// fail, for tests, makes every append fail (a disk that takes nothing).
	fail error
}

// append writes e as one line and syncs it; on an error nothing may be
// assumed written.
func (l *ledger) append(e Entry) error {
	if l.fail != nil {
		return fmt.Errorf("ledger %s: %w", l.path, l.fail)
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	_, statErr := os.Stat(l.path)
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && errors.Is(statErr, fs.ErrNotExist) {
		err = syncDir(filepath.Dir(l.path)) // a new file's name must survive too
	}
	if err != nil {
		return fmt.Errorf("ledger %s: %w", l.path, err)
	}
	return nil
}

// ReadLedger reads every entry of a ledger file; a missing file has none.
// A last line cut short by a crash is skipped: its append never returned.
func ReadLedger(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		var e Entry
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	return out, nil
}

// unfinished are the delete intents with no deleted or abandoned record after them.
func unfinished(entries []Entry) []Entry {
	type key struct{ camera, day string }
	open := map[key]int{}
	var order []key
	var intents []Entry
	for _, e := range entries {
		k := key{e.Camera, e.Day}
		switch e.Event {
		case EventDelete:
			if _, ok := open[k]; !ok {
				order = append(order, k)
			}
			open[k] = len(intents)
			intents = append(intents, e)
		case EventDeleted, EventAbandoned:
			delete(open, k)
		}
	}
	var out []Entry
	for _, k := range order {
		if i, ok := open[k]; ok {
			out = append(out, intents[i])
			delete(open, k)
		}
	}
	return out
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
