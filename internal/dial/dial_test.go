package dial

import (
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	t.Setenv(EnvAddr, "")
	if got := Resolve(""); got != "unix://"+DefaultSocket() {
		t.Errorf("default = %q", got)
	}
	t.Setenv(EnvAddr, "http://127.0.0.2:7410")
	if got := Resolve(""); got != "http://127.0.0.2:7410" {
		t.Errorf("from %s = %q", EnvAddr, got)
	}
	if got := Resolve("unix:///x.sock"); got != "unix:///x.sock" {
		t.Errorf("explicit = %q", got)
	}
}

func TestNewRejectsBadAddresses(t *testing.T) {
	for addr, want := range map[string]string{
		"ftp://host":  "scheme",
		"unix://":     "no socket path",
		"http://[::1": "bad address",
	} {
		if _, err := New(addr, Options{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("New(%q) = %v, want an error about %q", addr, err, want)
		}
	}
	for _, addr := range []string{"unix:///run/baton/baton.sock", "http://127.0.0.1:7410", "https://node1:7410/"} {
		if _, err := New(addr, Options{}); err != nil {
			t.Errorf("New(%q): %v", addr, err)
		}
	}
}
