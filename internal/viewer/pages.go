package viewer

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/bytesize"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/ts"
)

var (
	//go:embed index.html.tmpl
	indexSrc string
	//go:embed day.html.tmpl
	daySrc string

	indexTmpl = template.Must(template.New("index").Parse(indexSrc))
	dayTmpl   = template.Must(template.New("day").Parse(daySrc))
)

// pageCSP lets the pages show themselves and play the bucket's files
// through this site, and nothing else: they have no script at all.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; media-src 'self'; base-uri 'none'; form-action 'self'"

type indexPage struct {
	Target string
	Listed string
	TTL    time.Duration
	Error  string // the last listing failed: the one shown is older
	Logout string
	// Only is the one site shown, with every day (?site=NAME); "": every
	// site, with its cameras' newest days.
	Only  string
	Sites []sitePage
}

type sitePage struct {
	Name, Target, Version, Written string
	Link                           string // the site's page, with every day
	Cameras                        []cameraPage
}

type cameraPage struct {
	Name  string
	Days  []dayRow
	Older int // days left out
}

type dayRow struct {
	Date, Link, Size string
	Archives, Files  int
	NoSum            []string
}

// serveIndex answers /: every site, its cameras and their newest days; and
// /?site=NAME: one site with every day. A page is made once per listing,
// not per request.
func (v *Viewer) serveIndex(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	only := q.Get("site")
	if len(q) > 1 || len(q) == 1 && (only == "" || len(q["site"]) != 1) {
		text(w, http.StatusBadRequest, "bad query: want / or /?site=NAME")
		return
	}
	snap, err := v.listing(r.Context())
	if snap == nil {
		v.serveListError(w, err)
		return
	}
	if _, ok := snap.byName[only]; only != "" && !ok {
		text(w, http.StatusNotFound, "no site "+only+" in the bucket's listing")
		return
	}
	page := indexPage{
		Target: v.cfg.Bucket.Target().String(),
		Listed: snap.at.UTC().Format("2006-01-02 15:04:05 UTC"),
		TTL:    v.cfg.TTL,
		Logout: v.cfg.Logout,
		Only:   only,
	}
	if err != nil {
		page.Error = err.Error()
	}
	key := indexKey{snap: snap, err: page.Error, only: only}
	v.mu.Lock()
	body := v.index[key]
	v.mu.Unlock()
	if body == nil {
		v.building.Lock()
		defer v.building.Unlock()
		v.mu.Lock()
		body = v.index[key] // made while this request waited
		v.mu.Unlock()
	}
	if body == nil {
		page.Sites = v.sitesOf(snap, only)
		var b bytes.Buffer
		if err := indexTmpl.Execute(&b, page); err != nil {
			v.log.Error("index page", "err", err)
			text(w, http.StatusInternalServerError, "internal error")
			return
		}
		body = &pageBody{plain: b.Bytes(), gz: gzipped(b.Bytes())}
		v.mu.Lock()
		for k := range v.index {
			if k.snap != snap || k.err != page.Error || len(v.index) >= maxIndexPages {
				delete(v.index, k) // a page of an older listing, or too many
			}
		}
		if v.index == nil {
			v.index = map[indexKey]*pageBody{}
		}
		v.index[key] = body
		v.mu.Unlock()
	}
	serveHTML(w, r, body)
}

// pageBody is a page made once and served many times: gz is it gzipped.
type pageBody struct{ plain, gz []byte }

func gzipped(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.DefaultCompression)
	zw.Write(b)
	zw.Close()
	return out.Bytes()
}

// maxIndexPages bounds the pages kept: the index and the sites' pages.
const maxIndexPages = 64

// indexKey is what an index page is made from.
type indexKey struct {
	snap      *snapshot
	err, only string
}

// sitesOf lists the sites for the index: every one with its cameras'
// newest IndexDays days, or only the one named with every day.
func (v *Viewer) sitesOf(snap *snapshot, only string) []sitePage {
	bucket := v.cfg.Bucket.Target().Bucket
	var out []sitePage
	for _, s := range snap.sites {
		if only != "" && s.Name != only {
			continue
		}
		sp := sitePage{Name: s.Name, Target: offsite.Target{Bucket: bucket, Prefix: s.Prefix}.String(),
			Version: s.Info.Version, Written: lastModified(s.Info.Written), Link: "?site=" + url.QueryEscape(s.Name)}
		for _, c := range s.Cameras {
			cp := cameraPage{Name: c.Name}
			days := c.Days
			if only == "" && len(days) > v.cfg.IndexDays {
				days, cp.Older = days[:v.cfg.IndexDays], len(days)-v.cfg.IndexDays
			}
			for _, d := range days {
				cp.Days = append(cp.Days, dayRow{
					Date:     d.Date,
					Link:     "sites/" + escapeSite(s.Name) + "/" + url.PathEscape(c.Name) + "/" + d.Date + "/",
					Size:     bytesize.Format(d.Bytes),
					Archives: len(d.Archives),
					Files:    len(d.Files),
					NoSum:    d.NoSum,
				})
			}
			sp.Cameras = append(sp.Cameras, cp)
		}
		out = append(out, sp)
	}
	return out
}

type dayPage struct {
	Site, Camera, Date string
	Up                 string // the index, relative to the page
	Logout             string
	Videos             []videoPage
	Others             []fileRow
	// Runs is the file the runs were read from; RunsError why they were not.
	Runs, RunsError string
}

type videoPage struct {
	fileRow
	Sum  *fileRow
	Runs []runRow
}

type fileRow struct {
	Name, Link, Size, Modified string
}

// runRow is a run of footage, or the gap before one.
type runRow struct {
	Gap           bool
	From, To, Len string
	Pos           string // where in the file the run starts
	Zone          string // the site's offset from UTC then
}

// serveDay answers a day's page: its archives in players, each with its
// checksum file and runs, and the day's other files.
func (v *Viewer) serveDay(w http.ResponseWriter, r *http.Request, snap *snapshot, rf ref, d *siteDay) {
	page := dayPage{Site: rf.site, Camera: rf.camera, Date: rf.date, Logout: v.cfg.Logout,
		Up: strings.Repeat("../", strings.Count(rf.site, "/")+4)}
	runs, from, err := v.runsOf(r, d)
	page.Runs = from
	if err != nil {
		page.RunsError = err.Error()
	}
	shown := map[string]bool{}
	for _, a := range d.Archives {
		f, _ := d.file(a)
		vp := videoPage{fileRow: rowOf(f)}
		shown[a] = true
		if f, ok := d.file(day.ChecksumName(a)); ok {
			row := rowOf(f)
			vp.Sum = &row
			shown[f.Name] = true
		}
		vp.Runs = runRows(runs[a])
		page.Videos = append(page.Videos, vp)
	}
	for _, f := range d.Files {
		if !shown[f.Name] {
			page.Others = append(page.Others, rowOf(f))
		}
	}
	var b bytes.Buffer
	if err := dayTmpl.Execute(&b, page); err != nil {
		v.log.Error("day page", "err", err)
		text(w, http.StatusInternalServerError, "internal error")
		return
	}
	serveHTML(w, r, &pageBody{plain: b.Bytes()})
}

func rowOf(f offsite.ListedFile) fileRow {
	return fileRow{Name: f.Name, Link: url.PathEscape(f.Name), Size: bytesize.Format(f.Size), Modified: lastModified(f.Modified)}
}

// runRows lists an archive's runs, with the gaps between them.
func runRows(runs []ts.Run) []runRow {
	var out []runRow
	for i, r := range runs {
		if i > 0 {
			prev := runs[i-1]
			end := prev.Start.Add(prev.Len)
			if gap := r.Start.Sub(end); gap >= time.Second {
				out = append(out, runRow{Gap: true, From: clock(end), To: clock(r.Start), Len: gap.Round(time.Second).String()})
			}
		}
		out = append(out, runRow{From: clock(r.Start), To: clock(r.Start.Add(r.Len)), Len: r.Len.Round(time.Second).String(),
			Pos: position(r.Pos), Zone: r.Start.Format("-07:00")})
	}
	return out
}

// clock is a time of day in the site's own zone, as its summary wrote it.
func clock(t time.Time) string { return t.Format("15:04:05") }

// position is a place in a file, as players show it: h:mm:ss.
func position(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
}

// runsKey is a summary file, as the listing saw it: a new upload is read again.
type runsKey struct {
	key      string
	size     int64
	modified time.Time
}

// maxRunsFile bounds what is read of a summary or index: a full day's
// index is about a megabyte.
const maxRunsFile = 16 << 20

// maxRunsCached bounds the parsed summaries kept.
const maxRunsCached = 256

// runsOf reads the runs of a day's archives from its summary (or its
// index) if one was uploaded: archive name → runs. from is the file.
func (v *Viewer) runsOf(r *http.Request, d *siteDay) (runs map[string][]ts.Run, from string, err error) {
	f, ok := runsFile(d)
	if !ok {
		return nil, "", nil
	}
	k := runsKey{f.Key, f.Size, f.Modified}
	v.runsMu.Lock()
	runs, ok = v.runs[k]
	v.runsMu.Unlock()
	if ok {
		return runs, f.Name, nil
	}
	if f.Size > maxRunsFile {
		return nil, f.Name, fmt.Errorf("%s is too large to read (%s)", f.Name, bytesize.Format(f.Size))
	}
	rd, err := v.cfg.Bucket.Get(r.Context(), f.Key, "")
	if err != nil {
		return nil, f.Name, fmt.Errorf("cannot read %s: %w", f.Name, err)
	}
	defer rd.Close()
	var doc struct {
		Runs     map[string][]ts.Run `json:"runs"` // a summary's
		Archives []struct {
			File string   `json:"file"`
			Runs []ts.Run `json:"runs"`
		} `json:"archives"` // an index's
	}
	if err := json.NewDecoder(io.LimitReader(rd, maxRunsFile)).Decode(&doc); err != nil {
		return nil, f.Name, fmt.Errorf("cannot read %s: %w", f.Name, err)
	}
	runs = doc.Runs
	if runs == nil {
		runs = map[string][]ts.Run{}
	}
	for _, a := range doc.Archives {
		if _, ok := runs[a.File]; !ok && len(a.Runs) > 0 {
			runs[a.File] = a.Runs
		}
	}
	v.runsMu.Lock()
	if v.runs == nil || len(v.runs) >= maxRunsCached {
		v.runs = map[runsKey]map[string][]ts.Run{}
	}
	v.runs[k] = runs
	v.runsMu.Unlock()
	return runs, f.Name, nil
}

// runsFile is the day's file that tells its archives' runs: the summary
// (small) if it was uploaded, else the index.
func runsFile(d *siteDay) (offsite.ListedFile, bool) {
	var index offsite.ListedFile
	found := false
	for _, f := range d.Files {
		switch {
		case strings.HasSuffix(f.Name, "summary.json"):
			return f, true
		case strings.HasSuffix(f.Name, ".json") && !found:
			index, found = f, true
		}
	}
	return index, found
}

// serveListError answers when there is no listing to show.
func (v *Viewer) serveListError(w http.ResponseWriter, err error) {
	if err == nil {
		err = errors.New("no listing")
	}
	code := http.StatusBadGateway
	if errors.Is(err, offsite.ErrUnreachable) || errors.Is(err, offsite.ErrServer) {
		code = http.StatusServiceUnavailable
	}
	text(w, code, "cannot list "+v.cfg.Bucket.Target().String()+": "+err.Error())
}

func serveHTML(w http.ResponseWriter, r *http.Request, page *pageBody) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Referrer-Policy", "same-origin")
	body := page.plain
	if page.gz != nil {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = page.gz
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// acceptsGzip reports a client that takes gzip (q=0 refuses it).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
