// Command gendocs writes what the Debian package carries besides the
// binary and is generated from the cobra commands: a man page per command
// (cobra/doc) and the bash, zsh and fish completions, under a usr/share
// directory (scripts/package.sh runs it).
//
//	go run ./packaging/gendocs -out DIR/usr/share -version 1.2.3
//
// The man pages' date is $SOURCE_DATE_EPOCH when set (cobra/doc), so that
// a build is reproducible.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra/doc"

	"github.com/batoncluster/baton/internal/agent"
	"github.com/batoncluster/baton/internal/cli"
	"github.com/batoncluster/baton/internal/guard"
)

func main() {
	out := flag.String("out", "", "the package's usr/share directory")
	ver := flag.String("version", "devel", "the version the man pages name")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gendocs -out DIR [-version V]")
		os.Exit(2)
	}
	if err := run(*out, *ver); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(out, ver string) error {
	// The same tree as cmd/baton runs.
	root := cli.Tree(agent.Command(), guard.Command())
	root.DisableAutoGenTag = true
	man := filepath.Join(out, "man", "man1")
	if err := os.MkdirAll(man, 0o755); err != nil {
		return err
	}
	hdr := &doc.GenManHeader{Title: "BATON", Section: "1", Source: "baton " + ver, Manual: "baton manual"}
	if err := doc.GenManTree(root, hdr, man); err != nil {
		return err
	}
	return cli.WriteCompletions(root, out)
}
