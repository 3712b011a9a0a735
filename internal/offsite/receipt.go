package offsite

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"strings"
)

// ReadReceipt reads a day's receipt from a state folder without a Bucket:
// a day verified off-site stays so while the server cannot be reached.
// ok is false when the day has no receipt; err is set only when one is
// there and cannot be read.
func ReadReceipt(state *os.Root, camera, date string) (r Receipt, ok bool, err error) {
	if err := readJSON(state, receiptPath(camera, date), &r); errors.Is(err, fs.ErrNotExist) {
		return Receipt{}, false, nil
	} else if err != nil {
		return Receipt{}, false, err
	}
	return r, len(r.Objects) > 0 && !r.VerifiedAt.IsZero(), nil
}

// ReceiptDates lists the dates of camera's receipts in a state folder,
// unsorted; none when it has none.
func ReceiptDates(state *os.Root, camera string) ([]string, error) {
	dir := path.Dir(receiptPath(camera, "x"))
	f, err := state.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		if d, ok := strings.CutSuffix(n, ".json"); ok && !strings.HasPrefix(d, ".") {
			out = append(out, d)
		}
	}
	return out, nil
}
