package browser

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDashboardTokenLinkAsks: a link with #token= does not silently
// replace the token this browser keeps (issue 9: a link can come from
// anyone). The page asks, says who each token is, and only "Use the
// link's token" replaces it; the token leaves the URL either way. With no
// token kept, or the same one, it is taken without a question.
func TestDashboardTokenLinkAsks(t *testing.T) {
	chromium(t) // fail at once, not after starting an agent
	a := startAgent(t, filepath.Join(t.TempDir(), "d"), freeAddr(t))
	a.seed(false)
	full := a.token("ui", "full")
	read := a.token("viewer", "read")
	browser := newBrowser(t)
	p := newPage(t, browser)
	base := "https://" + a.httpHP + "/ui/"
	asked := `!!document.getElementById('token-ask')`
	noTokenInURL := func(p *page) {
		t.Helper()
		if h := p.eval(`location.href`); strings.Contains(h, "token") {
			t.Errorf("the token is still in the URL: %s", h)
		}
	}

	p.navigate(base + "#token=" + full)
	p.waitFor(stepTimeout, "DemoGroup Online, with no question", groupRowState("DemoGroup", "Online"))
	p.navigate(base + "#/group/DemoGroup&token=" + full)
	p.waitFor(stepTimeout, "the group page, with no question for the same token", groupPageState("Online"))
	if p.eval(asked) == "true" {
		t.Error("the page asked about the token it keeps")
	}

	// Another token, in a link followed while the page is open.
	p.navigate(base + "#token=" + read)
	p.waitFor(stepTimeout, "the question", asked)
	noTokenInURL(p)
	p.waitFor(stepTimeout, "who each token is", textIn("#token-ask-stored", "token:ui (Full)")+" && "+textIn("#token-ask-link", "token:viewer (Read)"))
	if got := p.eval(`localStorage.getItem('baton.token')`); got != full {
		t.Errorf("the stored token changed before the answer: %q", got)
	}
	p.screenshot("token-link-asks")
	p.do("keep the stored token", chromedp.Click(chromedp.ID("token-keep")))
	p.waitFor(stepTimeout, "the overview with the stored token", groupRowState("DemoGroup", "Online")+" && "+textIn("#who .access", "Full"))
	if got := p.eval(`localStorage.getItem('baton.token')`); got != full {
		t.Errorf("localStorage baton.token = %q after Keep, want the Full token", got)
	}

	// A new tab opened from a link: the question on load; the answer is Use.
	q := newPage(t, browser)
	q.navigate(base + "#/group/DemoGroup&token=" + read)
	q.waitFor(stepTimeout, "the question on load", asked)
	noTokenInURL(q)
	if h := q.eval(`location.hash`); h != "#/group/DemoGroup" {
		t.Errorf("location.hash = %q, want the route kept without the token", h)
	}
	q.do("use the link's token", chromedp.Click(chromedp.ID("token-replace")))
	q.waitFor(stepTimeout, "the group page with the link's token", groupPageState("Online")+" && "+textIn("#who .access", "Read"))
	if got := q.eval(`localStorage.getItem('baton.token')`); got != read {
		t.Errorf("localStorage baton.token = %q after Use, want the Read token", got)
	}
}
