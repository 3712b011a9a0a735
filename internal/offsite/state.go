package offsite

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"time"
)

// The state folder (STATE/offsite/) holds:
//
//	receipts/CAMERA/YYYY-MM-DD.json            a verified day's Receipt
//	uploads/CAMERA/YYYY-MM-DD/NAME.json        an unfinished multipart upload
//
// Each file is written to a temporary name, synced, renamed and its folder
// synced, so that a crash leaves the old file or the new one.

// Receipt is the proof that a day's files are in the bucket.
type Receipt struct {
	Camera     string    `json:"camera"` // as in the keys: "default" for the default camera
	Date       string    `json:"date"`
	Objects    []Object  `json:"objects"`
	VerifiedAt time.Time `json:"verified_at"`
}

// Object is one file of a day, as uploaded and read back.
type Object struct {
	Name string `json:"name"`
	Key  string `json:"key"`
	Size int64  `json:"size"`
	// SHA256 is the checksum the server reports, base64 as S3 writes it:
	// the whole file's SHA-256 when Parts is 0 (one PUT); for a multipart
	// upload the composite checksum, the SHA-256 of the parts' SHA-256s
	// followed by "-" and the number of parts.
	SHA256 string `json:"sha256"`
	// There is no whole-file checksum for those: computing one would
	// double the upload's hashing, and the day's .sha512sum file, uploaded
	// and verified with it, is the archive's own.
	Parts      int       `json:"parts,omitempty"`
	VerifiedAt time.Time `json:"verified_at"`
}

// upload is an unfinished multipart upload, kept so that a restarted
// cctvd resumes it instead of starting over.
type upload struct {
	Key      string `json:"key"`
	UploadID string `json:"upload_id"`
	PartSize int64  `json:"part_size"`
	// The local file's identity: an upload of another file (or of this
	// one changed) is aborted and started again.
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
	Dev     uint64 `json:"dev,omitempty"`
	Ino     uint64 `json:"ino,omitempty"`
}

func camDir(camera string) string {
	if camera == "" {
		return DefaultCamera
	}
	return camera
}

func receiptPath(camera, date string) string {
	return path.Join("receipts", camDir(camera), date+".json")
}

func uploadPath(camera, date, name string) string {
	return path.Join("uploads", camDir(camera), date, name+".json")
}

// Verified returns the receipt of a day that is off-site verified.
func (b *Bucket) Verified(camera, date string) (Receipt, bool) {
	if b.state == nil {
		return Receipt{}, false
	}
	var r Receipt
	if err := readJSON(b.state, receiptPath(camera, date), &r); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			b.log.Warn("off-site receipt unreadable", "camera", camera, "day", date, "err", err)
		}
		return Receipt{}, false
	}
	return r, len(r.Objects) > 0 && !r.VerifiedAt.IsZero()
}

func readJSON(root *os.Root, name string, v any) error {
	b, err := root.ReadFile(name)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// writeJSON replaces name atomically and durably.
func writeJSON(root *os.Root, name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	dir := path.Dir(name)
	if err := root.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp := name + ".tmp"
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, name)
	}
	if err != nil {
		root.Remove(tmp)
		return fmt.Errorf("write %s: %w", name, err)
	}
	return syncDir(root, dir)
}

func removeState(root *os.Root, name string) error {
	if err := root.Remove(name); errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	return syncDir(root, path.Dir(name))
}

func syncDir(root *os.Root, dir string) error {
	d, err := root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
