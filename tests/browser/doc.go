// Package browser tests the web dashboard end to end, as an operator meets
// it: a real `baton agent -dev`, driven through the CLI, and the dashboard
// at /ui/ in a real headless Chromium (Debian's chromium package, driven
// with chromedp). The tests fail, rather than skip, when Chromium is
// missing.
//
// Run with -update-screenshots to refresh docs/screenshots/ as well; the
// screenshots of every run are kept in tests/artifacts/browser/.
package browser
