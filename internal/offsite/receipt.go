package offsite

import (
	"errors"
	"io/fs"
	"os"
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
