package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/batoncluster/baton/api/baton/v1" // registers the descriptors
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

// TestScriptCallsTheAPI checks app.js against the public API it is a
// client of: every method it calls exists, and the JSON fields it relies on
// are what the API calls them (protojson's camelCase names). A rename in a
// .proto file fails here, not only in a browser.
func TestScriptCallsTheAPI(t *testing.T) {
	js, err := assets.ReadFile("assets/app.js")
	if err != nil {
		t.Fatal(err)
	}
	src := string(js)
	service := func(name string) protoreflect.ServiceDescriptor {
		t.Helper()
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName("baton.v1." + name))
		if err != nil {
			t.Fatalf("service baton.v1.%s: %v", name, err)
		}
		return d.(protoreflect.ServiceDescriptor)
	}
	calls := map[string]bool{"EventService/Watch": strings.Contains(src, "'baton.v1.EventService/Watch'")}
	for _, m := range regexp.MustCompile(`call(?:All)?\('(\w+)', '(\w+)'`).FindAllStringSubmatch(src, -1) {
		calls[m[1]+"/"+m[2]] = true
	}
	for _, m := range regexp.MustCompile(`optional\('(\w+)'`).FindAllStringSubmatch(src, -1) {
		calls["GroupService/"+m[1]] = true // optional() calls GroupService
	}
	for call, found := range calls {
		svc, method, _ := strings.Cut(call, "/")
		if !found {
			t.Errorf("app.js does not call %s", call)
			continue
		}
		if service(svc).Methods().ByName(protoreflect.Name(method)) == nil {
			t.Errorf("app.js calls %s, which the API does not have", call)
		}
	}
	// The calls the dashboard's actions make, so none silently goes.
	for _, want := range []string{"GroupService/OnlineGroup", "GroupService/OfflineGroup", "GroupService/MoveGroup",
		"NodeService/PauseNode", "NodeService/ResumeNode", "NodeService/ListNodes"} {
		if !calls[want] {
			t.Errorf("app.js does not call %s", want)
		}
	}

	for _, f := range []struct{ message, json string }{
		{"Group", "ownerNode"}, {"Group", "moveTo"}, {"Group", "failoversUnixNano"}, {"Group", "failoverCountExpiresUnixNano"},
		{"Group", "preferredOwners"}, {"Group", "persistentState"}, {"Group", "properties"},
		{"Node", "drainStatus"}, {"Node", "drainDetail"}, {"Node", "databaseRole"}, {"Node", "groups"}, {"Node", "address"},
		{"MoveGroupRequest", "node"}, {"MoveGroupRequest", "flags"}, {"MoveGroupRequest", "params"},
		{"PauseNodeRequest", "drain"}, {"PauseNodeResponse", "node"}, {"ResumeNodeResponse", "node"},
		{"OperationResult", "statusName"}, {"OperationResult", "operationId"},
		// callAll's paging, on every list it reads.
		{"ListGroupsRequest", "pageSize"}, {"ListGroupsRequest", "pageToken"}, {"ListGroupsResponse", "nextPageToken"},
		{"ListNodesRequest", "pageSize"}, {"ListNodesRequest", "pageToken"}, {"ListNodesResponse", "nextPageToken"},
		{"ListResourcesRequest", "pageSize"}, {"ListResourcesRequest", "pageToken"}, {"ListResourcesResponse", "nextPageToken"},
		{"ListOperationsRequest", "pageSize"}, {"ListOperationsRequest", "pageToken"}, {"ListOperationsResponse", "nextPageToken"},
	} {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName("baton.v1." + f.message))
		if err != nil {
			t.Errorf("message baton.v1.%s: %v", f.message, err)
			continue
		}
		fields := d.(protoreflect.MessageDescriptor).Fields()
		found := false
		for i := range fields.Len() {
			found = found || fields.Get(i).JSONName() == f.json
		}
		if !found {
			t.Errorf("baton.v1.%s has no field %q in JSON", f.message, f.json)
		}
		if !regexp.MustCompile(`\b` + f.json + `\b`).MatchString(src) {
			t.Errorf("app.js does not use %s.%s", f.message, f.json)
		}
	}
}
