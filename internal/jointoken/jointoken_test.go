package jointoken

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	good := Token{CAHash: "sha256:" + strings.Repeat("ab", 32), ID: "abc123", Secret: strings.Repeat("0f", 16)}
	got, err := Parse(" " + good.String() + "\n")
	if err != nil || got != good {
		t.Fatalf("Parse(%q) = %+v, %v", good.String(), got, err)
	}
	for _, bad := range []string{
		"",
		"abc123." + good.Secret,
		strings.Replace(good.String(), "baton-join:v1:", "baton-join:v2:", 1),
		strings.Replace(good.String(), "sha256:", "md5:", 1),
		strings.Replace(good.String(), "abc123", "ABC123", 1),
		strings.Replace(good.String(), "abc123", "abc12", 1),
		good.String() + "0",
		strings.Replace(good.String(), ".", "", 1),
	} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
