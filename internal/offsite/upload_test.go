package offsite

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"strconv"
	"testing"
	"time"
)

func TestUpload(t *testing.T) {
	g := startGateway(t, t.TempDir())
	for _, tc := range []struct {
		name      string
		camera    string
		files     map[string]int // name → size
		wantParts map[string]int
		wantCam   string
	}{
		{name: "small files, default camera", camera: "", files: map[string]int{"index.json": 1234, "video.mp4.sha512sum": 140}, wantCam: "default"},
		{name: "multipart", camera: "garage", files: map[string]int{"video.mp4": 12 << 20, "summary.json": 10}, wantParts: map[string]int{"video.mp4": 3}, wantCam: "garage"},
		// The second file's parts go through the first one's buffers.
		{name: "two multipart files", camera: "garage", files: map[string]int{"video.mp4": 12 << 20, "thumbs.tar": 7<<20 + 13}, wantParts: map[string]int{"video.mp4": 3, "thumbs.tar": 2}, wantCam: "garage"},
		{name: "exactly one part", camera: "door", files: map[string]int{"video.mp4": 5 << 20}, wantParts: map[string]int{"video.mp4": 1}, wantCam: "door"},
		{name: "empty file", camera: "door", files: map[string]int{"empty.json": 0}, wantCam: "door"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := openTest(t, g.endpoint(), Config{}, nil)
			dir := t.TempDir()
			var files []LocalFile
			data := map[string][]byte{}
			for name, size := range tc.files {
				lf, d := localFile(t, dir, name, size)
				files = append(files, lf)
				data[name] = d
			}
			const date = "2026-11-27"
			if _, ok := b.Verified(tc.camera, date); ok {
				t.Fatal("verified before the upload")
			}
			r, err := b.Upload(t.Context(), tc.camera, date, files)
			if err != nil {
				t.Fatalf("Upload: %v", err)
			}
			if r.Camera != tc.wantCam || r.Date != date || len(r.Objects) != len(files) || r.VerifiedAt.IsZero() {
				t.Errorf("receipt %+v", r)
			}
			for _, o := range r.Objects {
				if want := "site1/" + tc.wantCam + "/" + date + "/" + o.Name; o.Key != want {
					t.Errorf("key %q, want %q", o.Key, want)
				}
				if want := wantSHA256(data[o.Name], o.Parts, MinPartSize); o.SHA256 != want {
					t.Errorf("%s: SHA-256 %s, want %s", o.Name, o.SHA256, want)
				}
				if o.Parts != tc.wantParts[o.Name] || o.Size != int64(len(data[o.Name])) || o.SHA256 == "" || o.VerifiedAt.IsZero() {
					t.Errorf("object %+v: want %d parts, %d bytes", o, tc.wantParts[o.Name], len(data[o.Name]))
				}
				if got := serverBytes(t, g, o.Key); !bytes.Equal(got, data[o.Name]) {
					t.Errorf("%s: server has %d bytes, different from the local file's %d", o.Key, len(got), len(data[o.Name]))
				}
				st, err := b.Stat(t.Context(), tc.camera, date, o.Name)
				if err != nil || st.SHA256 != o.SHA256 || st.Size != o.Size {
					t.Errorf("Stat = %+v, %v; want the receipt's %+v", st, err, o)
				}
			}
			got, ok := b.Verified(tc.camera, date)
			if !ok || len(got.Objects) != len(r.Objects) || !got.VerifiedAt.Equal(r.VerifiedAt) {
				t.Errorf("Verified = %+v, %v; want the receipt", got, ok)
			}
			// Once more: nothing to send, all verified again.
			p := newProxy(t, g.endpoint())
			b2 := openTest(t, p.endpoint(), Config{}, nil)
			if _, err := b2.Upload(t.Context(), tc.camera, date, files); err != nil {
				t.Errorf("second Upload: %v", err)
			}
			if parts, _ := p.sent(); len(parts) != 0 || p.putCount() != 0 {
				t.Errorf("second Upload sent parts %v and %d PUTs, want none", parts, p.putCount())
			}
		})
	}
}

func TestUploadRefuses(t *testing.T) {
	lf := LocalFile{Name: "video.mp4", Open: func() (*os.File, error) { t.Fatal("opened"); return nil, nil }}
	for _, tc := range []struct {
		name   string
		camera string
		date   string
		files  []LocalFile
		state  bool
	}{
		{name: "no state folder", date: "2026-11-27", files: []LocalFile{lf}},
		{name: "no files", date: "2026-11-27", state: true},
		{name: "bad day", date: "2026-11-27/..", files: []LocalFile{lf}, state: true},
		{name: "camera with a slash", camera: "a/b", date: "2026-11-27", files: []LocalFile{lf}, state: true},
		{name: "camera ..", camera: "..", date: "2026-11-27", files: []LocalFile{lf}, state: true},
		{name: "file name with a slash", date: "2026-11-27", files: []LocalFile{{Name: "../x", Open: lf.Open}}, state: true},
		{name: "empty file name", date: "2026-11-27", files: []LocalFile{{Name: "", Open: lf.Open}}, state: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &Bucket{target: Target{Bucket: testBucket}, log: testLog(t), now: time.Now}
			if tc.state {
				b.state = stateRoot(t)
			}
			if r, err := b.Upload(t.Context(), tc.camera, tc.date, tc.files); err == nil {
				t.Fatalf("Upload = %+v, nil error", r)
			} else {
				t.Log(err)
			}
		})
	}
}

// wantSHA256 is S3's checksum of data: the SHA-256 of one PUT, or the
// composite of a multipart upload.
func wantSHA256(data []byte, parts int, partSize int) string {
	if parts == 0 {
		sum := sha256.Sum256(data)
		return base64.StdEncoding.EncodeToString(sum[:])
	}
	h := sha256.New()
	for off := 0; off < len(data); off += partSize {
		sum := sha256.Sum256(data[off:min(off+partSize, len(data))])
		h.Write(sum[:])
	}
	return base64.StdEncoding.EncodeToString(h.Sum(nil)) + "-" + strconv.Itoa(parts)
}
