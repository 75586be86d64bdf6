// Package version says which build of baton is running: the version and
// commit set when it was linked (scripts/package.sh passes
// -ldflags "-X github.com/batoncluster/baton/internal/version.Version=…
// -X …Commit=…"), else what the Go toolchain recorded in the binary.
package version

import (
	"runtime"
	"runtime/debug"
)

// Set at link time; see the package comment.
var (
	Version string
	Commit  string
)

// Info is a build's identity.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Go      string `json:"go"`
}

// Get returns this build's Info: the link-time values, else the module
// version and VCS revision the toolchain stamped ("devel" and "unknown"
// when there are none, as in `go run` and builds with -buildvcs=false).
func Get() Info {
	info := Info{Version: Version, Commit: Commit, Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		if info.Commit == "" {
			var rev, dirty string
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					if s.Value == "true" {
						dirty = "-dirty"
					}
				}
			}
			if rev != "" {
				info.Commit = rev + dirty
			}
		}
	}
	if info.Version == "" {
		info.Version = "devel"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	return info
}

// String is the one line `baton version` prints.
func (i Info) String() string {
	return "baton " + i.Version + " (commit " + i.Commit + ", " + i.Go + ")"
}
