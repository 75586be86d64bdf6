package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serve mounts the handler as the agent does and answers one request.
func serve(t *testing.T, method, path string, hdr http.Header) *http.Response {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(Prefix, Handler())
	req := httptest.NewRequest(method, path, nil)
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandlerServesTheFiles(t *testing.T) {
	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/ui/", "text/html; charset=utf-8", `<script src="app.js" defer></script>`},
		{"/ui/app.js", "text/javascript; charset=utf-8", "EventService/Watch"},
		{"/ui/style.css", "text/css; charset=utf-8", "--online-fg"},
		{"/ui/favicon.svg", "image/svg+xml", "<svg"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp := serve(t, http.MethodGet, tc.path, nil)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			if !strings.Contains(string(body), tc.contains) {
				t.Errorf("body does not contain %q", tc.contains)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control %q, want no-cache (revalidate, so an upgraded agent never serves a stale script)", got)
			}
			if resp.Header.Get("ETag") == "" {
				t.Error("no ETag")
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
		})
	}
}

func TestIndexHasASecurityPolicy(t *testing.T) {
	resp := serve(t, http.MethodGet, "/ui/", nil)
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
}

func TestRevalidationAnswersNotModified(t *testing.T) {
	first := serve(t, http.MethodGet, "/ui/app.js", nil)
	etag := first.Header.Get("ETag")
	again := serve(t, http.MethodGet, "/ui/app.js", http.Header{"If-None-Match": {etag}})
	if again.StatusCode != http.StatusNotModified {
		t.Fatalf("status %d with If-None-Match %s, want 304", again.StatusCode, etag)
	}
}

func TestHead(t *testing.T) {
	resp := serve(t, http.MethodHead, "/ui/style.css", nil)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Fatalf("HEAD: status %d, %d body bytes; want 200 and none", resp.StatusCode, len(body))
	}
	if resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("HEAD Content-Type %q", resp.Header.Get("Content-Type"))
	}
}

func TestOtherPathsAndMethods(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{http.MethodGet, "/ui/nope.js", http.StatusNotFound},
		{http.MethodGet, "/ui/index.html", http.StatusNotFound}, // the page is /ui/
		{http.MethodGet, "/ui/assets/app.js", http.StatusNotFound},
		{http.MethodPost, "/ui/", http.StatusMethodNotAllowed},
	} {
		resp := serve(t, tc.method, tc.path, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
	// The mux sends /ui to /ui/, where relative asset URLs resolve.
	resp := serve(t, http.MethodGet, "/ui", nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 != 3 || loc != "/ui/" {
		t.Errorf("GET /ui: status %d, Location %q; want a redirect to /ui/", resp.StatusCode, loc)
	}
}
