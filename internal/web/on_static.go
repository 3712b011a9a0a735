package web

import (
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
)

// The index page's scripts, embedded. hls.light.min.js and its license are
// copied unchanged from the hls.js package pinned in web/package.json
// (npm ci && npm run vendor there); player.js, overview.js and
// favicon.svg are the pages' own.
//
//go:embed assets/hls.light.min.js assets/hls.js.LICENSE assets/player.js assets/overview.js assets/favicon.svg
var assetFiles embed.FS

// cacheImmutable is for a static file asked for by its versioned URL
// (?v=hash): a new build changes the URL, never the file behind it.
const cacheImmutable = "public, max-age=31536000, immutable"

// asset is one static file, ready to serve.
type asset struct {
	// current answers its versioned URL, other any other.
	current, other *response
	version        string // the v= of its URL: a hash of the body
}

// assets are the files under /static/, by name.
var assets = loadAssets()

func loadAssets() map[string]*asset {
	m := map[string]*asset{}
	for name, ctype := range map[string]string{
		"hls.light.min.js": "text/javascript; charset=utf-8",
		"hls.js.LICENSE":   "text/plain; charset=utf-8",
		"player.js":        "text/javascript; charset=utf-8",
		"overview.js":      "text/javascript; charset=utf-8",
		"favicon.svg":      "image/svg+xml",
	} {
		b, err := assetFiles.ReadFile(path.Join("assets", name))
		if err != nil {
			panic("web: embedded asset " + name + ": " + err.Error()) // the build embeds it
		}
		sum := sha256.Sum256(b)
		v := hex.EncodeToString(sum[:6])
		gz := gzipped(b, gzip.BestCompression)
		if len(gz) >= len(b)*9/10 {
			gz = nil // compression does not pay
		}
		hdr := func(cc string) http.Header {
			return http.Header{"Content-Type": {ctype}, "Cache-Control": {cc}}
		}
		m[name] = &asset{version: v,
			current: newResponse(b, gz, v, hdr(cacheImmutable)),
			other:   newResponse(b, gz, v, hdr("no-cache"))}
	}
	return m
}

// assetURL is the page's URL of a static file: relative, like the page's
// other links, and versioned so that it can be cached for good.
func assetURL(name string) string {
	return "static/" + name + "?v=" + assets[name].version
}

// serveStatic answers /static/NAME. Asked for with the current v=, a file
// is cached for a year; otherwise it must be revalidated (ETag).
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := assets[name]
	if !ok {
		text(w, http.StatusNotFound, "not found")
		return
	}
	if r.URL.RawQuery == "v="+a.version {
		a.current.serve(w, r)
	} else {
		a.other.serve(w, r)
	}
}
