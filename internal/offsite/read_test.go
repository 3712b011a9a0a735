package offsite

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	g := startGateway(t, t.TempDir())
	dir := t.TempDir()
	video, videoData := localFile(t, dir, "video.mp4", 6<<20)
	sum, _ := localFile(t, dir, "video.mp4.sha512sum", 140)
	index, _ := localFile(t, dir, "index.json", 300)

	site1 := openTest(t, g.endpoint(), Config{}, nil)
	site2 := openAt(t, Target{Bucket: testBucket, Prefix: "sites/two"}, g.endpoint(), Config{}, nil)
	for _, up := range []struct {
		b      *Bucket
		camera string
		date   string
		files  []LocalFile
	}{
		{b: site1, camera: "", date: "2026-11-26", files: []LocalFile{video, sum}},
		{b: site1, camera: "", date: "2026-11-27", files: []LocalFile{index}},
		{b: site1, camera: "garage", date: "2026-11-27", files: []LocalFile{index, sum}},
		{b: site2, camera: "door", date: "2026-11-25", files: []LocalFile{sum}},
	} {
		if _, err := up.b.Upload(t.Context(), up.camera, up.date, up.files); err != nil {
			t.Fatal(err)
		}
	}
	written := time.Date(2026, 11, 29, 10, 0, 0, 153192286, time.UTC)
	if err := site1.PutSite(t.Context(), Site{Version: "1.2.3", Cameras: []string{"default", "garage"}, Written: written}); err != nil {
		t.Fatal(err)
	}
	if err := site2.PutSite(t.Context(), Site{Version: "1.2.4", Cameras: []string{"door"}, Written: written}); err != nil {
		t.Fatal(err)
	}
	viewer := openAt(t, Target{Bucket: testBucket}, g.endpoint(), Config{}, nil)

	t.Run("List", func(t *testing.T) {
		l, err := viewer.List(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		type day struct{ site, cam, date string }
		got := map[day][]string{}
		var sites []Site
		for _, s := range l.Sites {
			sites = append(sites, s.Site)
			for _, c := range s.Cameras {
				for _, d := range c.Days {
					for _, f := range d.Files {
						got[day{s.Prefix, c.Name, d.Date}] = append(got[day{s.Prefix, c.Name, d.Date}], f.Name)
					}
				}
			}
		}
		want := map[day][]string{
			{"site1", "default", "2026-11-26"}:  {"video.mp4", "video.mp4.sha512sum"},
			{"site1", "default", "2026-11-27"}:  {"index.json"},
			{"site1", "garage", "2026-11-27"}:   {"index.json", "video.mp4.sha512sum"},
			{"sites/two", "door", "2026-11-25"}: {"video.mp4.sha512sum"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("listed %v, want %v", got, want)
		}
		wantSites := []Site{{Version: "1.2.3", Cameras: []string{"default", "garage"}, Written: written}, {Version: "1.2.4", Cameras: []string{"door"}, Written: written}}
		if !reflect.DeepEqual(sites, wantSites) {
			t.Errorf("sites %+v, want %+v", sites, wantSites)
		}
	})

	key := site1.Target().Key("", "2026-11-26", "video.mp4")
	for _, tc := range []struct {
		name      string
		b         *Bucket
		key       string
		rng       string
		want      []byte
		wantRange string
		wantErr   error
	}{
		{name: "whole", b: site1, key: key, want: videoData},
		{name: "range", b: site1, key: key, rng: "bytes=10-19", want: videoData[10:20], wantRange: "bytes 10-19/6291456"},
		{name: "suffix range", b: viewer, key: key, rng: "bytes=-5", want: videoData[len(videoData)-5:], wantRange: "bytes 6291451-6291455/6291456"},
		{name: "range past the end", b: site1, key: key, rng: "bytes=7000000-7000001", wantErr: ErrRange},
		{name: "missing", b: site1, key: "site1/default/2026-01-01/video.mp4", wantErr: ErrNotFound},
		{name: "other site's key", b: site2, key: key, wantErr: ErrNotFound},
		{name: "dot dot", b: site2, key: "sites/two/../../" + key, wantErr: ErrNotFound},
	} {
		t.Run("Get "+tc.name, func(t *testing.T) {
			r, err := tc.b.Get(t.Context(), tc.key, tc.rng)
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("Get = %v, want %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			defer r.Close()
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, tc.want) || r.Size != int64(len(tc.want)) || r.ContentRange != tc.wantRange {
				t.Errorf("read %d bytes (equal: %v), %v; size %d, range %q; want %d bytes, range %q",
					len(got), bytes.Equal(got, tc.want), err, r.Size, r.ContentRange, len(tc.want), tc.wantRange)
			}
		})
	}

	t.Run("Presign", func(t *testing.T) {
		u, err := site1.Presign(t.Context(), key, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(got, videoData) {
			t.Errorf("GET presigned: %s, %d bytes", resp.Status, len(got))
		}
		if bytes.Contains([]byte(u), []byte(testSecret)) {
			t.Error("the URL holds the secret")
		}
	})
}
