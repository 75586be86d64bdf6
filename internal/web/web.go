// Package web is the agent's dashboard: a few static files (HTML, CSS and
// plain JavaScript, embedded in the binary) served under /ui/.
//
// The dashboard is a client of the public API like any other: the browser
// calls the Connect JSON endpoints on the same address with the operator's
// bearer token, and follows EventService.Watch to stay current. This
// package therefore holds no cluster logic and reaches no other part of the
// agent; it only serves bytes. See docs/dashboard.md.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets
var assets embed.FS

// Prefix is the path the dashboard is served under.
const Prefix = "/ui/"

// file is one embedded asset, ready to serve.
type file struct {
	body        []byte
	contentType string
	etag        string
}

// contentTypes lists the asset kinds the dashboard ships; the type is set
// explicitly so it never depends on the host's MIME tables.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// csp allows the page to load only its own files and to call only its own
// origin (the API); no inline script, no third party.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

type handler struct {
	files map[string]file // by name under assets/, "" for index.html
}

// Handler serves the dashboard under /ui/: /ui/ is the page, and
// /ui/app.js, /ui/style.css and /ui/favicon.svg its parts. Mount it on
// "/ui/". Answers carry an ETag and "Cache-Control: no-cache", so a browser
// revalidates (cheaply, 304) and never runs a stale script after the agent
// is upgraded.
func Handler() http.Handler {
	h := handler{files: map[string]file{}}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		name := strings.TrimPrefix(p, "assets/")
		if name == "index.html" {
			name = ""
		}
		h.files[name] = file{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		// The assets are compiled in; failing to read them is a build bug.
		panic("web: embedded assets: " + err.Error())
	}
	return h
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := strings.CutPrefix(r.URL.Path, Prefix)
	f, found := h.files[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", f.etag)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	if name == "" {
		hd.Set("Content-Security-Policy", csp)
		hd.Set("X-Frame-Options", "DENY")
	}
	// ServeContent answers If-None-Match (304), Range and HEAD.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(f.body))
}
